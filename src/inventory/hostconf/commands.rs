//! The programs that host configuration runs: cron lines (system and user crontabs), shell
//! lines (cron.* scripts, logrotate `postrotate` blocks, /etc/profile.d), sudoers commands.
//! A deliberately simple reading: the first word of each simple command, after assignments and
//! wrappers; shell keywords, builtins, variables and words with quotes or substitutions are
//! not programs.

/// Words that are shell syntax or builtins, never programs to look up.
const SHELL_WORDS: &[&str] = &[
    "!", "[", "[[", "]]", "{", "}", "(", ")", ".", ":", "alias", "break", "case", "cd", "command",
    "continue", "declare", "do", "done", "echo", "elif", "else", "esac", "eval", "exec", "exit",
    "export", "false", "fi", "for", "function", "getopts", "hash", "if", "in", "let", "local",
    "printf", "pwd", "read", "readonly", "return", "select", "set", "shift", "source", "test",
    "then", "time", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset",
    "until", "wait", "while",
];

/// Words after which a command starts.
const INTRODUCERS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "command", "{",
];

/// Wrappers whose argument is the program that runs.
const WRAPPERS: &[&str] = &["sudo", "nice", "nohup", "ionice", "flock", "timeout", "env"];

/// The programs one shell line runs (first words of its simple commands).
pub fn shell_programs(line: &str) -> Vec<String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return Vec::new();
    }
    // Cut a trailing comment (a `#` after whitespace).
    let t = match t.find(" #") {
        Some(i) => &t[..i],
        None => t,
    };
    let mut out = Vec::new();
    for part in t.split([';', '|', '&', '(', ')', '`']) {
        let mut words = part.split_whitespace().peekable();
        while let Some(w) = words.next() {
            if w.contains('=') && !w.starts_with('/') && !w.starts_with('-') {
                continue; // an assignment before the command
            }
            if INTRODUCERS.contains(&w) {
                continue; // `if cmd`, `then cmd`, `exec cmd` ...
            }
            if WRAPPERS.contains(&w) {
                // Skip the wrapper's options with their arguments (sudo -u USER, nice -n N), a
                // numeric argument (timeout, nice) and flock's lock file.
                while let Some(n) = words.peek() {
                    let takes_arg = matches!(
                        (w, *n),
                        ("sudo", "-u" | "-g" | "-p" | "-C" | "-h" | "-U")
                            | ("nice", "-n")
                            | ("ionice", "-c" | "-n" | "-p")
                            | ("timeout", "-s" | "-k")
                            | ("flock", "-w" | "-E")
                    );
                    if takes_arg {
                        words.next();
                        words.next();
                    } else if n.starts_with('-')
                        || n.chars().all(|c| c.is_ascii_digit() || c == '.')
                        || n.contains('=')
                    {
                        words.next();
                    } else {
                        break;
                    }
                }
                if w == "flock" {
                    words.next();
                }
                continue;
            }
            if is_program_word(w) {
                out.push(w.to_string());
            }
            break;
        }
    }
    out
}

fn is_program_word(w: &str) -> bool {
    !SHELL_WORDS.contains(&w)
        && !w.starts_with(['$', '-', '"', '\'', '<', '>', '~', '*', '%'])
        && !w.contains(['$', '"', '\'', '*', '?', '[', '<', '>', '{', '}', '\\'])
        && !w.ends_with(')')
        && !w.chars().all(|c| c.is_ascii_digit())
        && (w.starts_with('/') || !w.contains('/'))
}

/// The command part of a crontab line: after the five time fields (or an `@` keyword), and
/// after the user field in the system crontab format. `None` for comments, environment
/// settings and blank lines.
pub fn cron_command(line: &str, system: bool) -> Option<String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let first = *words.first()?;
    if first.contains('=') && !first.starts_with('@') {
        return None; // MAILTO=..., PATH=...
    }
    let skip = if first.starts_with('@') { 1 } else { 5 };
    let skip = skip + usize::from(system);
    if words.len() <= skip {
        return None;
    }
    // Keep the original spacing of the command.
    let mut rest = t;
    for _ in 0..skip {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    Some(
        rest.trim()
            .replace('%', "\n")
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

/// The absolute program paths of a sudoers line (user and alias specifications; `Defaults`
/// and include lines have none).
pub fn sudoers_programs(line: &str) -> Vec<String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with('@') || t.starts_with("Defaults") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for seg in t.split([',', ':', '=']) {
        let seg = seg.trim();
        // Tags (NOPASSWD) and run-as lists end at `:`; the command follows.
        let seg = seg.trim_start_matches('!');
        if let Some(w) = seg.split_whitespace().next()
            && w.starts_with('/')
            && !w.ends_with('/')
            && !w.contains('*')
        {
            out.push(w.to_string());
        }
    }
    out
}

/// The shell lines of logrotate's script blocks (`postrotate`, `prerotate`, `firstaction`,
/// `lastaction`, `preremove` ... `endscript`), with their 1-based line numbers.
pub fn logrotate_script_lines(text: &str) -> Vec<(usize, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if inside {
            if t == "endscript" {
                inside = false;
            } else {
                out.push((i + 1, t.to_string()));
            }
        } else if matches!(
            t,
            "postrotate" | "prerotate" | "firstaction" | "lastaction" | "preremove"
        ) {
            inside = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_of_lines() {
        assert_eq!(
            shell_programs(
                "FOO=1 /opt/acme/bin/rotate --all && logger -t acme done | mail -s x root"
            ),
            ["/opt/acme/bin/rotate", "logger", "mail"]
        );
        assert_eq!(
            shell_programs("if [ -x /usr/bin/foo ]; then foo; fi"),
            ["foo"]
        );
        assert_eq!(
            shell_programs("sudo -u acme nice -n 10 acmectl sync"),
            ["acmectl"]
        );
        assert_eq!(shell_programs("echo $PATH # comment"), Vec::<String>::new());
        assert_eq!(
            shell_programs("flock -n /run/acme.lock /opt/acme/bin/job"),
            ["/opt/acme/bin/job"]
        );
        assert_eq!(shell_programs("\"$HOME/bin/x\""), Vec::<String>::new());
        assert_eq!(
            cron_command("*/5 * * * * root /opt/acme/bin/sync --fast", true).as_deref(),
            Some("/opt/acme/bin/sync --fast")
        );
        assert_eq!(
            cron_command("@daily   service acme reload", false).as_deref(),
            Some("service acme reload")
        );
        assert_eq!(cron_command("MAILTO=root", true), None);
        assert_eq!(cron_command("# 0 * * * * x", false), None);
        assert_eq!(
            sudoers_programs(
                "acme ALL=(root) NOPASSWD: /usr/sbin/service acme restart, /usr/bin/systemctl restart acme"
            ),
            ["/usr/sbin/service", "/usr/bin/systemctl"]
        );
        assert_eq!(
            sudoers_programs("Cmnd_Alias ACME = /opt/acme/bin/ctl, /usr/bin/rsync"),
            ["/opt/acme/bin/ctl", "/usr/bin/rsync"]
        );
        assert!(sudoers_programs("Defaults secure_path=/usr/sbin:/usr/bin").is_empty());
        let l = logrotate_script_lines(
            "/var/log/acme/*.log {\n  daily\n  postrotate\n    /usr/sbin/invoke-rc.d acme reload\n  endscript\n}\n",
        );
        assert_eq!(l, [(4, "/usr/sbin/invoke-rc.d acme reload".to_string())]);
    }
}

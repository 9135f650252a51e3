//! `Sorted`: rows sorted by key, looked up by binary search (the pack's main index shape).

/// Rows sorted by key (in file order within a key), looked up by binary search: no hashing
/// and two allocations per table, where a map of `Vec`s costs one per key. The builder writes
/// its tables sorted, so sorting them is a linear check.
#[derive(Debug)]
pub(crate) struct Sorted<T> {
    pub(crate) keys: Vec<&'static str>,
    pub(crate) rows: Vec<T>,
}

impl<T> Sorted<T> {
    pub(crate) fn new(keys: Vec<&'static str>, rows: Vec<T>) -> Sorted<T> {
        debug_assert_eq!(keys.len(), rows.len());
        if keys.is_sorted() {
            return Sorted { keys, rows };
        }
        let mut keyed: Vec<(&'static str, T)> = keys.into_iter().zip(rows).collect();
        keyed.sort_by(|a, b| a.0.cmp(b.0)); // stable: file order within a key
        let (keys, rows) = keyed.into_iter().unzip();
        Sorted { keys, rows }
    }

    /// The rows of a key; `None` when it has none.
    pub(crate) fn get(&self, key: &str) -> Option<&[T]> {
        let start = self.keys.partition_point(|k| *k < key);
        let len = self.keys[start..].partition_point(|k| *k == key);
        (len > 0).then(|| &self.rows[start..start + len])
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// How many distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.chunk_by(|a, b| a == b).count()
    }

    /// How many rows, all keys together.
    pub(crate) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The distinct keys that start with `prefix`, sorted: a binary search, then the run.
    pub(crate) fn keys_with_prefix(&self, prefix: &str) -> impl Iterator<Item = &'static str> + '_ {
        let start = self.keys.partition_point(|k| *k < prefix);
        let len = self.keys[start..].partition_point(|k| k.starts_with(prefix));
        self.keys[start..start + len]
            .chunk_by(|a, b| a == b)
            .map(|g| g[0])
    }

    /// Every key with its rows, sorted by key.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &[T])> {
        let mut start = 0;
        self.keys.chunk_by(|a, b| a == b).map(move |g| {
            let rows = &self.rows[start..start + g.len()];
            start += g.len();
            (g[0], rows)
        })
    }
}

impl<T> Default for Sorted<T> {
    fn default() -> Self {
        Sorted {
            keys: Vec::new(),
            rows: Vec::new(),
        }
    }
}

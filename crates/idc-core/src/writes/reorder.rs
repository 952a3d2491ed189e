//! Results back in input order: rows finish in any order, and each is let out as soon as
//! every row before it is out (the head of the line is done).

use std::collections::BTreeMap;

/// Holds finished items until the items before them have been let out.
#[derive(Debug)]
pub struct Reorder<T> {
    next: usize,
    waiting: BTreeMap<usize, T>,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> Reorder<T> {
    /// Item `index` (0-based input position) is done.
    pub fn insert(&mut self, index: usize, item: T) {
        if index >= self.next {
            self.waiting.insert(index, item);
        }
    }

    /// The next item in input order, if it is done.
    pub fn pop(&mut self) -> Option<T> {
        let item = self.waiting.remove(&self.next)?;
        self.next += 1;
        Some(item)
    }

    /// How many items have been let out.
    pub fn released(&self) -> usize {
        self.next
    }

    /// How many done items wait for an earlier one.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_input_order_as_soon_as_the_head_is_done() {
        let mut reorder = Reorder::default();
        reorder.insert(2, "c");
        reorder.insert(1, "b");
        assert_eq!(reorder.pop(), None, "the head (0) is not done");
        assert_eq!(reorder.waiting(), 2);
        reorder.insert(0, "a");
        assert_eq!(reorder.pop(), Some("a"));
        assert_eq!(reorder.pop(), Some("b"));
        assert_eq!(reorder.pop(), Some("c"));
        assert_eq!(reorder.pop(), None);
        assert_eq!(reorder.released(), 3);
        reorder.insert(4, "e");
        assert_eq!(reorder.pop(), None);
        reorder.insert(3, "d");
        assert_eq!((reorder.pop(), reorder.pop()), (Some("d"), Some("e")));
    }

    #[test]
    fn a_shuffled_thousand_comes_out_sorted() {
        let mut order: Vec<usize> = (0..1000).collect();
        // A fixed permutation (multiplication by a unit mod 1000).
        order.sort_by_key(|i| (i * 7919) % 1000);
        let mut reorder = Reorder::default();
        let mut out = Vec::new();
        for index in order {
            reorder.insert(index, index);
            while let Some(item) = reorder.pop() {
                out.push(item);
            }
        }
        assert_eq!(out, (0..1000).collect::<Vec<_>>());
        assert_eq!(reorder.waiting(), 0);
    }
}

//! Value parsers for numeric flags: clap wraps their message with the flag's name
//! (`invalid value '0' for '--parallel <N>': must be at least 1`), where a check after parsing
//! would not, and a negative number would otherwise be taken for a flag of its own.

/// A whole number of at least 1 (counts, seconds, MiB): zero and negatives are refused.
pub(super) fn at_least_one<T: TryFrom<u64>>(text: &str) -> Result<T, String> {
    let number: i128 = text
        .trim()
        .parse()
        .map_err(|_| "must be a whole number, at least 1".to_owned())?;
    if number < 1 {
        return Err("must be at least 1".to_owned());
    }
    u64::try_from(number)
        .ok()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| "is too large".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_at_one() {
        assert_eq!(at_least_one::<usize>("3"), Ok(3));
        assert_eq!(at_least_one::<u64>(" 1 "), Ok(1));
        for (text, why) in [
            ("0", "must be at least 1"),
            ("-1", "must be at least 1"),
            ("1.5", "must be a whole number, at least 1"),
            ("many", "must be a whole number, at least 1"),
            ("99999999999999999999999", "is too large"),
        ] {
            assert_eq!(at_least_one::<usize>(text), Err(why.to_owned()), "{text}");
        }
    }
}

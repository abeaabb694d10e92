//! Reading what a user (or a file a user named) hands over, never past a limit: `/dev/zero` or
//! a file of the wrong kind fails fast instead of taking the machine's memory. The command line
//! reads its inputs through it, the runner the install manifests an image map names.

use std::io::Read;

/// Up to `limit + 1` bytes of `reader`: one byte more than allowed says the input is too large.
/// The buffer's capacity stays within `limit + 1` (it doubles, capped there).
pub fn read_at_most(reader: impl Read, limit: u64, size_hint: u64) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let mut reader = reader.take(limit.saturating_add(1));
    let mut bytes: Vec<u8> = Vec::with_capacity(usize::try_from(size_hint).unwrap_or(cap).min(cap));
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if bytes.capacity() - bytes.len() < n {
            let wanted = (bytes.capacity().saturating_mul(2))
                .max(bytes.len() + n)
                .min(cap);
            bytes.reserve_exact(wanted - bytes.len());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_one_byte_past_the_limit_and_no_further() {
        let endless = std::io::repeat(b'x');
        let bytes = read_at_most(endless, 1000, 0).expect("reads");
        assert_eq!(bytes.len(), 1001);
        assert!(bytes.capacity() <= 1001, "{}", bytes.capacity());
        let short = read_at_most(&b"abc"[..], 1000, 3).expect("reads");
        assert_eq!(short, b"abc");
    }
}

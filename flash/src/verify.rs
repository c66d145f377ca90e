//! Reading back what was written: each mapped range of the device must
//! hash to the block map's SHA-256 for it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::bmap::BlockMap;

/// Compares the device's mapped ranges with the map; `progress` gets
/// the bytes checked so far. The error names the first range that differs.
pub fn verify(device: &Path, map: &BlockMap, mut progress: impl FnMut(u64)) -> Result<(), String> {
    let mut file =
        File::open(device).map_err(|e| format!("cannot read {}: {e}", device.display()))?;
    let mut buffer = vec![0u8; 4 << 20];
    let mut checked = 0u64;
    for range in &map.ranges {
        let start = range.first * map.block_size;
        // The last block may run past the image's end: only the image's
        // bytes were hashed.
        let end = ((range.last + 1) * map.block_size).min(map.image_size);
        file.seek(SeekFrom::Start(start))
            .map_err(|e| format!("cannot read {}: {e}", device.display()))?;
        let mut hasher = Sha256::new();
        let mut left = end - start;
        while left > 0 {
            let take = left.min(buffer.len() as u64) as usize;
            file.read_exact(&mut buffer[..take])
                .map_err(|e| format!("cannot read {}: {e}", device.display()))?;
            hasher.update(&buffer[..take]);
            left -= take as u64;
            checked += take as u64;
            progress(checked);
        }
        let hash = hex::encode(hasher.finalize());
        if hash != range.sha256 {
            return Err(format!(
                "blocks {}-{} read back differ from the image: the disk may be failing or counterfeit",
                range.first, range.last
            ));
        }
    }
    Ok(())
}

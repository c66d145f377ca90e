//! bmaptool's block map (`IMAGE.bmap`, format 2.x): the image's size, its
//! block size, and the ranges of blocks that hold data with each range's
//! SHA-256 — what is copied, and what the read-back check compares.

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub first: u64,
    pub last: u64,
    /// Lowercase hex SHA-256 of the range's bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMap {
    pub image_size: u64,
    pub block_size: u64,
    pub ranges: Vec<Range>,
}

impl BlockMap {
    /// Bytes that hold data.
    pub fn mapped_bytes(&self) -> u64 {
        self.ranges
            .iter()
            .map(|r| (r.last - r.first + 1) * self.block_size)
            .sum()
    }

    pub fn parse(xml: &str) -> Result<Self, String> {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let (mut image_size, mut block_size, mut checksum_type) = (None, None, None);
        let mut ranges = Vec::new();
        let mut open: Option<(String, Option<String>)> = None;
        loop {
            match reader.read_event().map_err(|e| format!("bmap: {e}"))? {
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    let chksum = start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"chksum")
                        .map(|a| String::from_utf8_lossy(&a.value).to_ascii_lowercase());
                    open = Some((name, chksum));
                }
                Event::Text(text) => {
                    let text = text.unescape().map_err(|e| format!("bmap: {e}"))?;
                    let text = text.trim();
                    match open.as_ref().map(|(n, c)| (n.as_str(), c)) {
                        Some(("ImageSize", _)) => image_size = text.parse::<u64>().ok(),
                        Some(("BlockSize", _)) => block_size = text.parse::<u64>().ok(),
                        Some(("ChecksumType", _)) => checksum_type = Some(text.to_string()),
                        Some(("Range", chksum)) => {
                            let (first, last) = match text.split_once('-') {
                                Some((a, b)) => (a.trim(), b.trim()),
                                None => (text, text),
                            };
                            let first = first
                                .parse::<u64>()
                                .map_err(|_| format!("bmap range {text:?}"))?;
                            let last = last
                                .parse::<u64>()
                                .map_err(|_| format!("bmap range {text:?}"))?;
                            if last < first {
                                return Err(format!("bmap range {text:?} runs backwards"));
                            }
                            let sha256 = chksum.clone().ok_or("bmap range without a checksum")?;
                            ranges.push(Range {
                                first,
                                last,
                                sha256,
                            });
                        }
                        _ => {}
                    }
                }
                Event::End(_) => open = None,
                Event::Eof => break,
                _ => {}
            }
        }
        if checksum_type.as_deref() != Some("sha256") {
            return Err(format!(
                "bmap checksums are {}, not sha256 (bmaptool 3.2 or newer makes sha256)",
                checksum_type.as_deref().unwrap_or("missing")
            ));
        }
        let image_size = image_size.ok_or("bmap without ImageSize")?;
        let block_size = block_size
            .filter(|b| *b > 0)
            .ok_or("bmap without BlockSize")?;
        if let Some(r) = ranges
            .iter()
            .find(|r| (r.last + 1) * block_size > image_size.next_multiple_of(block_size))
        {
            return Err(format!(
                "bmap range {}-{} lies beyond the image",
                r.first, r.last
            ));
        }
        Ok(Self {
            image_size,
            block_size,
            ranges,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" ?>
<!-- comment with <ImageSize> inside -->
<bmap version="2.0">
    <ImageSize> 1048576 </ImageSize>
    <BlockSize> 4096 </BlockSize>
    <BlocksCount> 256 </BlocksCount>
    <MappedBlocksCount> 3 </MappedBlocksCount>
    <ChecksumType> sha256 </ChecksumType>
    <BmapFileChecksum> 00 </BmapFileChecksum>
    <BlockMap>
        <Range chksum="AB01"> 0-1 </Range>
        <Range chksum="cd02"> 255 </Range>
    </BlockMap>
</bmap>"#;

    #[test]
    fn ranges_sizes_and_checksums_are_read() {
        let map = BlockMap::parse(SAMPLE).unwrap();
        assert_eq!(map.image_size, 1_048_576);
        assert_eq!(map.block_size, 4096);
        assert_eq!(
            map.ranges,
            [
                Range {
                    first: 0,
                    last: 1,
                    sha256: "ab01".into()
                },
                Range {
                    first: 255,
                    last: 255,
                    sha256: "cd02".into()
                },
            ]
        );
        assert_eq!(map.mapped_bytes(), 3 * 4096);
    }

    #[test]
    fn bad_maps_are_refused_with_a_reason() {
        let beyond = SAMPLE.replace("> 255 <", "> 256 <");
        assert!(BlockMap::parse(&beyond).unwrap_err().contains("beyond"));
        let sha1 = SAMPLE.replace("sha256", "sha1");
        assert!(BlockMap::parse(&sha1).unwrap_err().contains("sha1"));
        let backwards = SAMPLE.replace("0-1", "5-1");
        assert!(BlockMap::parse(&backwards)
            .unwrap_err()
            .contains("backwards"));
        assert!(BlockMap::parse("<bmap>").is_err());
    }
}

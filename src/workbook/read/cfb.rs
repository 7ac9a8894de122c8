//! One stream of an OLE compound file, the container a `.xls` is: a small
//! file system of fixed-size sectors, each stream a chain of sectors linked
//! through a table (the FAT), small streams packed in 64-byte mini sectors.
//!
//! The file is untrusted: every offset, length and chain is checked, and a
//! chain that loops or leaves the file is an error, never a panic or a hang.

/// The first bytes of every compound file.
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const HEADER: usize = 512;
/// The sectors of the FAT listed in the header itself.
const HEADER_FAT_SECTORS: usize = 109;
/// Sector ids from here on are markers (end of chain, free, …), not sectors.
const FIRST_MARKER: u32 = 0xFFFF_FFFA;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const DIRECTORY_ENTRY: usize = 128;
const STREAM: u8 = 2;

/// The bytes of the stream named `name` (in any case), or none when the
/// file has no such stream.
pub fn stream(file: &[u8], name: &str) -> Result<Option<Vec<u8>>, String> {
    let compound = Compound::open(file)?;
    let directory = compound.read(compound.first_directory, usize::MAX)?;
    let entries: Vec<&[u8]> = directory.chunks_exact(DIRECTORY_ENTRY).collect();
    let root = entries
        .first()
        .ok_or("the compound file's directory is empty")?;
    let Some(entry) = entries
        .iter()
        .find(|e| e[66] == STREAM && entry_name(e).eq_ignore_ascii_case(name))
    else {
        return Ok(None);
    };
    let (start, size) = compound.extent(entry);
    if size > file.len() {
        return Err(format!(
            "the stream {name} says it has {size} bytes, more than the whole file"
        ));
    }
    let bytes = if size < compound.mini_cutoff {
        let (root_start, root_size) = compound.extent(root);
        let mini_stream = compound.read(root_start, root_size)?;
        compound.read_mini(&mini_stream, start, size)?
    } else {
        compound.read(start, size)?
    };
    Ok(Some(bytes))
}

/// A compound file's header and FAT, over its bytes.
struct Compound<'f> {
    file: &'f [u8],
    sector: usize,
    mini_sector: usize,
    mini_cutoff: usize,
    fat: Vec<u32>,
    first_directory: u32,
    first_mini_fat: u32,
}

impl<'f> Compound<'f> {
    fn open(file: &'f [u8]) -> Result<Self, String> {
        let header = file
            .get(..HEADER)
            .ok_or("the file is shorter than a compound file's header")?;
        if header[..8] != SIGNATURE {
            return Err("the file is not an OLE compound file, as a .xls is".to_owned());
        }
        let sector = match u16_at(header, 0x1E) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err("the compound file's sector size is not 512 or 4096".to_owned()),
        };
        let mini_sector = match u16_at(header, 0x20) {
            Some(6) => 64,
            _ => return Err("the compound file's mini sector size is not 64".to_owned()),
        };
        let word = |at| u32_at(header, at).unwrap_or(END_OF_CHAIN);
        let mut compound = Compound {
            file,
            sector,
            mini_sector,
            mini_cutoff: word(0x38) as usize,
            fat: Vec::new(),
            first_directory: word(0x30),
            first_mini_fat: word(0x3C),
        };
        let fat_sectors = compound.fat_sectors(header, word(0x44))?;
        let mut fat = Vec::new();
        for id in fat_sectors {
            fat.extend(words(compound.sector_bytes(id)?));
        }
        compound.fat = fat;
        Ok(compound)
    }

    /// The sectors holding the FAT: 109 named in the header, the rest in a
    /// chain of DIFAT sectors, each ending with the next one's id.
    fn fat_sectors(&self, header: &[u8], mut next: u32) -> Result<Vec<u32>, String> {
        let mut ids: Vec<u32> = words(&header[0x4C..0x4C + 4 * HEADER_FAT_SECTORS])
            .filter(|&id| id < FIRST_MARKER)
            .collect();
        let most = self.file.len() / self.sector;
        let mut visited = 0;
        while next < FIRST_MARKER {
            visited += 1;
            if visited > most {
                return Err("the compound file's list of FAT sectors loops".to_owned());
            }
            let bytes = self.sector_bytes(next)?;
            if bytes.len() < self.sector {
                return Err(format!("sector {next} of the compound file is cut off"));
            }
            let (listed, last) = bytes.split_at(self.sector - 4);
            ids.extend(words(listed).filter(|&id| id < FIRST_MARKER));
            next = u32_at(last, 0).unwrap_or(END_OF_CHAIN);
        }
        if ids.len() > most {
            return Err("the compound file names more FAT sectors than it has".to_owned());
        }
        Ok(ids)
    }

    /// The bytes of sector `id`.
    fn sector_bytes(&self, id: u32) -> Result<&'f [u8], String> {
        let start = (id as usize)
            .checked_add(1)
            .and_then(|n| n.checked_mul(self.sector))
            .filter(|&s| s < self.file.len())
            .ok_or_else(|| format!("sector {id} of the compound file is past its end"))?;
        let end = (start + self.sector).min(self.file.len());
        Ok(&self.file[start..end])
    }

    /// The chain of sectors from `start` in `table`, each sector once.
    fn chain(table: &[u32], start: u32, what: &str) -> Result<Vec<u32>, String> {
        let mut ids = Vec::new();
        let mut next = start;
        while next != END_OF_CHAIN {
            if ids.len() >= table.len() {
                return Err(format!("the chain of {what} loops"));
            }
            ids.push(next);
            next = *table
                .get(next as usize)
                .ok_or_else(|| format!("the chain of {what} leaves the file at sector {next}"))?;
        }
        Ok(ids)
    }

    /// The first `size` bytes (all, for `usize::MAX`) of the chain from
    /// `start`.
    fn read(&self, start: u32, size: usize) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        for id in Self::chain(&self.fat, start, "sectors")? {
            if bytes.len() >= size {
                break;
            }
            bytes.extend_from_slice(self.sector_bytes(id)?);
        }
        Self::cut(bytes, size)
    }

    /// The first `size` bytes of the chain of mini sectors from `start`
    /// in `mini_stream`.
    fn read_mini(&self, mini_stream: &[u8], start: u32, size: usize) -> Result<Vec<u8>, String> {
        let mini_fat: Vec<u32> = words(&self.read(self.first_mini_fat, usize::MAX)?).collect();
        let mut bytes = Vec::new();
        for id in Self::chain(&mini_fat, start, "mini sectors")? {
            if bytes.len() >= size {
                break;
            }
            let at = id as usize * self.mini_sector;
            let sector = mini_stream
                .get(at..at + self.mini_sector)
                .ok_or_else(|| format!("mini sector {id} is past the end of the mini stream"))?;
            bytes.extend_from_slice(sector);
        }
        Self::cut(bytes, size)
    }

    fn cut(mut bytes: Vec<u8>, size: usize) -> Result<Vec<u8>, String> {
        if size != usize::MAX {
            if bytes.len() < size {
                return Err(format!(
                    "a stream of {size} bytes ends after {} bytes",
                    bytes.len()
                ));
            }
            bytes.truncate(size);
        }
        Ok(bytes)
    }

    /// A directory entry's first sector and size. A file of 512-byte
    /// sectors (version 3) keeps only the low half of the size.
    fn extent(&self, entry: &[u8]) -> (u32, usize) {
        let start = u32_at(entry, 116).unwrap_or(END_OF_CHAIN);
        let low = u32_at(entry, 120).unwrap_or(0) as u64;
        let high = u32_at(entry, 124).unwrap_or(0) as u64;
        let size = if self.sector == 512 {
            low
        } else {
            low | (high << 32)
        };
        (start, usize::try_from(size).unwrap_or(usize::MAX))
    }
}

/// A directory entry's name: UTF-16, its length in bytes with the final NUL.
fn entry_name(entry: &[u8]) -> String {
    let length = u16_at(entry, 64).map_or(0, usize::from).min(64);
    let units: Vec<u16> = entry[..length]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

/// The little-endian u16 at `at`, where the bytes hold one.
pub fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

/// The little-endian u32 at `at`, where the bytes hold one.
pub fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A compound file of 512-byte sectors holding one stream `name`:
    /// sector 0 the FAT, 1 the directory, then the stream (in the mini
    /// stream when it is small: 2 the mini FAT, then the mini stream).
    pub fn compound(name: &str, stream: &[u8]) -> Vec<u8> {
        let mut header = vec![0u8; HEADER];
        header[..8].copy_from_slice(&SIGNATURE);
        header[0x1A..0x1E].copy_from_slice(&[0x3E, 0, 3, 0]);
        header[0x1E..0x22].copy_from_slice(&[9, 0, 6, 0]);
        header[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        header[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        header[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        for i in 0..HEADER_FAT_SECTORS {
            header[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        header[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes());
        header[0x44..0x48].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        let small = stream.len() < 4096;
        let padded = |bytes: &[u8], unit: usize| {
            let mut bytes = bytes.to_vec();
            bytes.resize(bytes.len().div_ceil(unit).max(1) * unit, 0);
            bytes
        };
        let mut fat = vec![0xFFFF_FFFDu32, END_OF_CHAIN];
        let mut tail = Vec::new();
        let (mut root, mut entry) = ((END_OF_CHAIN, 0u32), (END_OF_CHAIN, stream.len() as u32));
        if small {
            let minis = stream.len().div_ceil(64);
            let mut mini_fat: Vec<u32> = (1..=minis as u32).collect();
            if let Some(last) = mini_fat.last_mut() {
                *last = END_OF_CHAIN;
            }
            header[0x3C..0x40].copy_from_slice(&2u32.to_le_bytes());
            header[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
            fat.push(END_OF_CHAIN);
            let mini_fat: Vec<u8> = mini_fat.iter().flat_map(|w| w.to_le_bytes()).collect();
            tail.extend(padded(&mini_fat, 512));
            let mini_stream = padded(stream, 64);
            let sectors = mini_stream.len().div_ceil(512);
            root = (3, mini_stream.len() as u32);
            entry.0 = 0;
            fat.extend((4..3 + sectors as u32).chain([END_OF_CHAIN]));
            tail.extend(padded(&mini_stream, 512));
        } else {
            header[0x3C..0x40].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
            let sectors = stream.len().div_ceil(512);
            entry.0 = 2;
            fat.extend((3..2 + sectors as u32).chain([END_OF_CHAIN]));
            tail.extend(padded(stream, 512));
        }
        assert!(fat.len() <= 128, "one FAT sector");
        let fat: Vec<u8> = fat.iter().flat_map(|w| w.to_le_bytes()).collect();
        let entry_of = |name: &str, kind: u8, (start, size): (u32, u32)| {
            let mut bytes = vec![0u8; DIRECTORY_ENTRY];
            let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            bytes[..units.len()].copy_from_slice(&units);
            bytes[64..66].copy_from_slice(&(units.len() as u16 + 2).to_le_bytes());
            bytes[66] = kind;
            bytes[116..120].copy_from_slice(&start.to_le_bytes());
            bytes[120..124].copy_from_slice(&size.to_le_bytes());
            bytes
        };
        let mut directory = entry_of("Root Entry", 5, root);
        directory.extend(entry_of(name, STREAM, entry));
        [header, padded(&fat, 512), padded(&directory, 512), tail].concat()
    }

    #[test]
    fn a_stream_is_read_from_sectors_and_from_mini_sectors() {
        let big: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let small = b"a small stream".to_vec();
        for stream_bytes in [big, small] {
            let file = compound("Workbook", &stream_bytes);
            assert_eq!(stream(&file, "workbook"), Ok(Some(stream_bytes)));
            assert_eq!(stream(&file, "Book"), Ok(None));
        }
    }

    #[test]
    fn a_damaged_compound_file_is_an_error() {
        let file = compound("Workbook", &[7; 5000]);
        for cut in [0, 100, 511, 600, 1100, 3000] {
            assert!(stream(&file[..cut], "Workbook").is_err(), "cut at {cut}");
        }
        let mut looping = file.clone();
        // The stream's last sector points back at its first.
        let last = 512 + 4 * 11;
        looping[last..last + 4].copy_from_slice(&2u32.to_le_bytes());
        assert!(stream(&looping, "Workbook").unwrap_err().contains("loops"));
        let mut huge = file.clone();
        huge[1024 + 128 + 120..1024 + 128 + 124].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(stream(&huge, "Workbook").is_err());
        let mut wild = compound("Workbook", b"small");
        wild[1024 + 128 + 116..1024 + 128 + 120].copy_from_slice(&900u32.to_le_bytes());
        assert!(stream(&wild, "Workbook").is_err());
        let mut not = file;
        not[0] = b'P';
        assert!(stream(&not, "Workbook").is_err());
    }

    #[test]
    fn any_byte_of_the_header_fat_or_directory_changed_is_never_a_panic() {
        for whole in [
            compound("Workbook", &[7; 5000]),
            compound("Workbook", b"small"),
        ] {
            for at in 0..whole.len().min(2048) {
                for byte in [0x00, 0x01, 0x7F, 0xFE, 0xFF] {
                    let mut changed = whole.clone();
                    changed[at] = byte;
                    let _ = stream(&changed, "Workbook");
                }
            }
        }
    }
}

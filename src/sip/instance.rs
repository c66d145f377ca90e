//! The terminal's SIP instance id (RFC 5626 §4.1 `+sip.instance`): a URN
//! that stays the same across reboots and address changes, so the registrar
//! replaces the terminal's old binding instead of keeping one per boot.

use roomterm_proto::digest::Algorithm;

/// `urn:uuid:…` derived from the serial number: a name-based UUID (version
/// 8, RFC 9562 §5.8) over SHA-256, stable for the device's life and
/// revealing nothing of the SN.
pub fn instance_urn(sn: &str) -> String {
    let hex = Algorithm::Sha256.hash(&format!("roomterm-sip-instance:{sn}"));
    let mut digits: Vec<char> = hex.chars().take(32).collect();
    digits[12] = '8'; // version
    let variant = u8::from_str_radix(&digits[16].to_string(), 16).unwrap_or(0);
    digits[16] = char::from_digit(u32::from(0x8 | (variant & 0x3)), 16).unwrap_or('8');
    let d: String = digits.into_iter().collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &d[0..8],
        &d[8..12],
        &d[12..16],
        &d[16..20],
        &d[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_device_and_well_formed() {
        let a = instance_urn("RT-DEMO-0001");
        assert_eq!(a, instance_urn("RT-DEMO-0001"));
        assert_ne!(a, instance_urn("RT-DEMO-0002"));
        let uuid = a.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('8'));
        assert!(matches!(
            groups[3].chars().next(),
            Some('8' | '9' | 'a' | 'b')
        ));
    }
}

//! How a conference is set up: the composed canvas and the H.264 codecs
//! this server has.

use std::net::IpAddr;

use roomterm_rtp::PortRange;

use super::elements::{first_installed, MediaError};

/// Where participants send their media: the cloud's media address, and the
/// ports there a firewall opens (`None`: any the system hands out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaBind {
    pub ip: IpAddr,
    pub ports: Option<PortRange>,
}

impl From<IpAddr> for MediaBind {
    fn from(ip: IpAddr) -> Self {
        Self { ip, ports: None }
    }
}

/// An IPv4 address, any port.
impl From<[u8; 4]> for MediaBind {
    fn from(octets: [u8; 4]) -> Self {
        IpAddr::from(octets).into()
    }
}

/// The conference's canvas and codecs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceConfig {
    /// The composed picture, before scaling to each class.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Where participants send their media.
    pub bind: MediaBind,
    pub encoder: String,
    pub decoder: String,
    /// How many pictures a gallery page holds (25; tests use fewer).
    pub gallery_page: usize,
}

impl ConferenceConfig {
    /// The first installed H.264 encoder and decoder (software on a plain
    /// server: x264enc, openh264 as the fallback).
    pub fn probe(width: u32, height: u32, fps: u32, bind: MediaBind) -> Result<Self, MediaError> {
        super::init()?;
        Ok(Self {
            width,
            height,
            fps,
            bind,
            encoder: first_installed("H.264 encoder", &["x264enc", "openh264enc"])?,
            decoder: first_installed("H.264 decoder", &["avdec_h264", "openh264dec"])?,
            gallery_page: super::layout::GALLERY_PAGE,
        })
    }
}

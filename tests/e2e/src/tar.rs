//! A tiny tar writer for crafting test archives, malicious ones included (any name, any link):
//! independent of the engine's own tar code on purpose.

pub struct TarBuilder {
    out: Vec<u8>,
}

impl Default for TarBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TarBuilder {
    pub fn new() -> TarBuilder {
        TarBuilder { out: Vec::new() }
    }

    fn header(&mut self, name: &str, typeflag: u8, size: usize, mode: u32, link: &str) {
        assert!(name.len() <= 100 && link.len() <= 100, "test names must fit ustar");
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let octal = |buf: &mut [u8], v: u64| {
            let s = format!("{:0width$o}\0", v, width = buf.len() - 1);
            buf.copy_from_slice(s.as_bytes());
        };
        octal(&mut h[100..108], mode as u64);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], size as u64);
        octal(&mut h[136..148], 1_370_217_600);
        h[156] = typeflag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        self.out.extend_from_slice(&h);
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        self.header(name, b'0', data.len(), 0o644, "");
        self.out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.out.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    pub fn file_mode(mut self, name: &str, data: &[u8], mode: u32) -> Self {
        self.header(name, b'0', data.len(), mode, "");
        self.out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.out.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        self.header(name, b'5', 0, 0o755, "");
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.header(name, b'2', 0, 0o777, target);
        self
    }

    pub fn hardlink(mut self, name: &str, target: &str) -> Self {
        self.header(name, b'1', 0, 0o644, target);
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend(std::iter::repeat_n(0u8, 1024));
        self.out
    }
}

/// A `docker save`-style archive (manifest.json + config + one uncompressed layer per tar),
/// to feed `load` with crafted layers. Returns (archive, image id).
pub fn docker_archive(layers: &[Vec<u8>], tag: &str) -> (Vec<u8>, String) {
    let diff_ids: Vec<String> = layers.iter().map(|l| super::sha256(l)).collect();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": layers.iter().map(|_| serde_json::json!({"created_by": "test"})).collect::<Vec<_>>(),
    });
    let config = serde_json::to_vec(&config).unwrap();
    let id = super::sha256(&config);
    let hex = |d: &str| d.trim_start_matches("sha256:").to_string();
    let manifest = serde_json::json!([{
        "Config": format!("blobs/sha256/{}", hex(&id)),
        "RepoTags": [tag],
        "Layers": diff_ids.iter().map(|d| format!("blobs/sha256/{}", hex(d))).collect::<Vec<_>>(),
    }]);
    let mut b = TarBuilder::new().file(&format!("blobs/sha256/{}", hex(&id)), &config);
    for (l, d) in layers.iter().zip(&diff_ids) {
        b = b.file(&format!("blobs/sha256/{}", hex(d)), l);
    }
    (b.file("manifest.json", &serde_json::to_vec(&manifest).unwrap()).finish(), id)
}

//! Safe tar in/out (placeholder until the archive module lands).

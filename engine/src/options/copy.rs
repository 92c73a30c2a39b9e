//! `docker cp`'s two arguments: `CONTAINER:PATH` or a local path (the docker CLI's
//! `splitCpArg`).

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyEndpoint<'a> {
    Local(&'a str),
    Container { container: &'a str, path: &'a str },
}

/// An absolute path, or one starting with `.`, is local even with a `:` in it (`./a:b`); else
/// `CONTAINER:PATH` names a container's path.
pub fn copy_endpoint(arg: &str) -> CopyEndpoint<'_> {
    if arg.starts_with('/') {
        return CopyEndpoint::Local(arg);
    }
    match arg.split_once(':') {
        Some((container, path)) if !container.starts_with('.') => CopyEndpoint::Container { container, path },
        _ => CopyEndpoint::Local(arg),
    }
}

#[cfg(test)]
mod tests {
    use super::{copy_endpoint, CopyEndpoint::*};

    #[test]
    fn sides() {
        assert_eq!(copy_endpoint("web:/etc/hostname"), Container { container: "web", path: "/etc/hostname" });
        assert_eq!(copy_endpoint("web:rel/x:y"), Container { container: "web", path: "rel/x:y" });
        assert_eq!(copy_endpoint("/abs/a:b"), Local("/abs/a:b"));
        assert_eq!(copy_endpoint("./a:b"), Local("./a:b"));
        assert_eq!(copy_endpoint(".x:b"), Local(".x:b"));
        assert_eq!(copy_endpoint("file"), Local("file"));
        assert_eq!(copy_endpoint("-"), Local("-"));
    }
}

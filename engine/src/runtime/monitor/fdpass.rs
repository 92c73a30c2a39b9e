//! Passing a file descriptor over a unix socket (SCM_RIGHTS): the container's init sends its pty
//! master to the monitor.

use std::io;
use std::os::fd::RawFd;

/// A message of one byte with room for one fd's control data, handed to `f` (the byte gives
/// the receiver something to read: a message with no data is not delivered as one).
fn with_msg<R>(f: impl FnOnce(&mut libc::msghdr) -> R) -> R {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    // SAFETY: an all-zero msghdr is valid (no name, no buffers), filled in below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = space;
    f(&mut msg)
}

pub fn send_fd(sock: RawFd, fd: RawFd) -> io::Result<()> {
    with_msg(|msg| {
        // SAFETY: the control buffer has CMSG_SPACE for exactly one fd.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(msg);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<RawFd>(), fd);
            if libc::sendmsg(sock, msg, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    })
}

/// Receive one fd (`None` if the peer closed without sending one).
pub fn recv_fd(sock: RawFd) -> io::Result<Option<RawFd>> {
    with_msg(|msg| {
        // SAFETY: as above; the received fd is returned to the caller, who owns it.
        unsafe {
            let n = libc::recvmsg(sock, msg, libc::MSG_CMSG_CLOEXEC);
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            let c = libc::CMSG_FIRSTHDR(msg);
            if n == 0 || c.is_null() || (*c).cmsg_type != libc::SCM_RIGHTS {
                return Ok(None);
            }
            Ok(Some(std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<RawFd>())))
        }
    })
}

//! `top`: the container's processes, in the columns of `ps -ef` (what Docker runs on the host).

use crate::error::{Error, Result};
use crate::runtime::cgroups::Cgroup;
use crate::store::Store;
use crate::types::TopResponse;

pub fn top(store: &Store, name: &str, ps_args: &str) -> Result<TopResponse> {
    let c = super::load(store, name)?;
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    if !matches!(ps_args.trim(), "" | "-ef" | "-e -f" | "aux") {
        return Err(Error::unsupported(format!("ps options {ps_args:?} are not supported (use -ef)")));
    }
    let pids = Cgroup::open(&c.id)?.pids()?;
    let users = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    // sysconf, not rustix's auxv reader: that one reads the vDSO's ELF header, which is not
    // mapped under valgrind (C programs embedding the library run under it).
    // SAFETY: sysconf only reads a constant of the C library.
    let tick = match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        t if t > 0 => t as u64,
        _ => 100,
    };
    let boot = boot_time();
    let mut processes = Vec::new();
    for pid in pids {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // `pid (comm) state ppid …`: comm may contain spaces and parentheses.
        let Some(close) = stat.rfind(')') else { continue };
        let comm = stat[stat.find('(').map_or(0, |i| i + 1)..close].to_string();
        let f: Vec<&str> = stat[close + 2..].split(' ').collect();
        let field = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        let (ppid, tty, utime, stime, start) = (field(1), field(4), field(11), field(12), field(19));
        let uid = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            })
            .unwrap_or_default();
        let user = users
            .lines()
            .find(|l| l.split(':').nth(2) == Some(uid.as_str()))
            .and_then(|l| l.split(':').next())
            .map(str::to_string)
            .unwrap_or(uid);
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .map(|b| {
                b.split(|&x| x == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty())
            .unwrap_or(format!("[{comm}]"));
        let cpu = (utime + stime) / tick.max(1);
        let started = boot + start / tick.max(1);
        processes.push(vec![
            user,
            pid.to_string(),
            ppid.to_string(),
            "0".into(),
            hh_mm(started),
            tty_name(tty),
            format!("{:02}:{:02}:{:02}", cpu / 3600, cpu / 60 % 60, cpu % 60),
            cmd,
        ]);
    }
    Ok(TopResponse {
        titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"].iter().map(|s| s.to_string()).collect(),
        processes,
    })
}

fn boot_time() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse().ok())))
        .unwrap_or(0)
}

fn hh_mm(unix: u64) -> String {
    let day = unix % 86400;
    format!("{:02}:{:02}", day / 3600, day / 60 % 60)
}

fn tty_name(tty_nr: u64) -> String {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 => format!("tty{minor}"),
        _ => "?".into(),
    }
}

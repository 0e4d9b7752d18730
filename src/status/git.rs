//! Reading an earlier version of a source from the git repository holding the site, by its blob
//! id (loose objects and packfiles, through gitoxide's object database; no `git` binary).

use std::path::Path;

/// What looking up a blob found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The blob's bytes.
    Found(Vec<u8>),
    /// No repository holds the site folder (searched upwards from it).
    NotARepository,
    /// The repository has no object with that id (never committed or staged, or pruned).
    Missing,
    /// koho was built without the `git` feature.
    Unsupported,
    /// The repository could not be read; the message says why.
    Failed(String),
}

/// Looks up blob `id` (40 hex digits) in the repository holding `site_root`.
#[cfg(feature = "git")]
pub fn read_blob(site_root: &Path, id: &str) -> Lookup {
    use gix_object::Find;

    let Ok(oid) = gix_hash::ObjectId::from_hex(id.as_bytes()) else {
        return Lookup::Failed(format!("`{id}` is not a git object id"));
    };
    let Ok((path, _trust)) = gix_discover::upwards(site_root) else {
        return Lookup::NotARepository;
    };
    let (git_dir, _work_tree) = path.into_repository_and_work_tree_directories();
    let objects = common_dir(&git_dir).join("objects");
    let store = match gix_odb::at(&objects, gix_hash::Kind::Sha1) {
        Ok(store) => store,
        Err(e) => return Lookup::Failed(format!("cannot open {}: {e}", objects.display())),
    };
    let mut buffer = Vec::new();
    match store.try_find(&oid, &mut buffer) {
        Ok(Some(data)) if data.kind == gix_object::Kind::Blob => Lookup::Found(data.data.to_vec()),
        Ok(Some(data)) => Lookup::Failed(format!("object {id} is a {}, not a blob", data.kind)),
        Ok(None) => Lookup::Missing,
        Err(e) => Lookup::Failed(format!("cannot read object {id}: {e}")),
    }
}

/// A linked worktree's git folder names the repository's shared folder in `commondir`; objects
/// live there (gitrepository-layout(5), "commondir").
#[cfg(feature = "git")]
fn common_dir(git_dir: &Path) -> std::path::PathBuf {
    match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(text) => git_dir.join(text.trim_end_matches(['\r', '\n'])),
        Err(_) => git_dir.to_path_buf(),
    }
}

/// Without the `git` feature no repository is read.
#[cfg(not(feature = "git"))]
pub fn read_blob(_site_root: &Path, _id: &str) -> Lookup {
    Lookup::Unsupported
}

"""The Go lab: the pinned toolchain, the bubblewrap sandbox, the exercise runner and its queue."""

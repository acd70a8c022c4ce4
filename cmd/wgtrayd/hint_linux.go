package main

// noKeyringHint is the way out when no keyring answers: on Linux, the
// Secret Service of a desktop session, which a shell can start too.
const noKeyringHint = "from a shell, start one with `dbus-run-session -- sh -c 'echo | gnome-keyring-daemon --unlock --components=secrets; exec $SHELL'`, " +
	"or, on a headless machine, pass --key-store=file to keep the keys in a file only you can read"

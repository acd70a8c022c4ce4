package tray

const exeSuffix = ".exe"

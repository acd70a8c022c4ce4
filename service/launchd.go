package service

// launchdLog is where the macOS service's output goes.
const launchdLog = "/Library/Logs/" + serviceName + ".log"

// launchdPlist is the launchd job `wgtrayd install` writes on macOS, in
// kardianos's template language: the job packaging/macos/wgtrayd.plist
// installs, so both ways give the same service. It starts at boot and
// again whenever it fails, and logs to launchdLog.
const launchdPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{{Name | html}}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{{Path | html}}</string>
{{range Arguments}}		<string>{{. | html}}</string>
{{end}}	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>2</integer>
	<key>Umask</key>
	<integer>63</integer>
	<key>StandardOutPath</key>
	<string>` + launchdLog + `</string>
	<key>StandardErrorPath</key>
	<string>` + launchdLog + `</string>
</dict>
</plist>
`

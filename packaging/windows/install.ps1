#Requires -RunAsAdministrator
<#
.SYNOPSIS
Installs wgtray from the unpacked zip: the files into Program Files, the
wgtrayd service (started now and at every boot), the local group wgtray
whose members may use it (with -Operator in it), a Start menu entry and the
tray icon at every user's login.
#>
param(
    [string]$Destination = (Join-Path $env:ProgramFiles 'wgtray'),
    # Who goes into the group wgtray; the app runs without elevation, where
    # even an administrator is only an operator. '' adds nobody.
    [string]$Operator = "$env:USERDOMAIN\$env:USERNAME"
)
$ErrorActionPreference = 'Stop'
$source = $PSScriptRoot

# An installed service holds wgtrayd.exe open: take it away before the files
# are replaced. Its tunnels and settings in %ProgramData%\wgtray stay.
$daemon = Join-Path $Destination 'wgtrayd.exe'
if ((Get-Service -Name 'wgtrayd' -ErrorAction SilentlyContinue) -and (Test-Path $daemon)) {
    & $daemon uninstall
}

# The service lets members of the group wgtray (and of Network Configuration
# Operators) use it; it reads the group when it starts, so create it first.
if (-not (Get-LocalGroup -Name 'wgtray' -ErrorAction SilentlyContinue)) {
    New-LocalGroup -Name 'wgtray' -Description 'May use the wgtray tunnels' | Out-Null
}
if ($Operator -and -not (Get-LocalGroupMember -Group 'wgtray' -Member $Operator -ErrorAction SilentlyContinue)) {
    Add-LocalGroupMember -Group 'wgtray' -Member $Operator
}

# The service's state: only LocalSystem and Administrators may read it or
# write to it (ProgramData lets every user create files below it).
$state = Join-Path $env:ProgramData 'wgtray'
New-Item -ItemType Directory -Force -Path $state | Out-Null
& icacls.exe $state /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "setting the permissions of $state failed (exit $LASTEXITCODE)" }

New-Item -ItemType Directory -Force -Path $Destination | Out-Null
foreach ($file in 'wgtray.exe', 'wgtray-window.exe', 'wgtrayd.exe', 'wintun.dll', 'LICENSE-wintun.txt', 'README.md', 'uninstall.ps1') {
    Copy-Item -Force -Path (Join-Path $source $file) -Destination $Destination
}

& $daemon install
if ($LASTEXITCODE -ne 0) { throw "wgtrayd install failed (exit $LASTEXITCODE)" }
& $daemon start
if ($LASTEXITCODE -ne 0) { throw "wgtrayd start failed (exit $LASTEXITCODE); see: $daemon logs" }

$shell = New-Object -ComObject WScript.Shell
$gui = Join-Path $Destination 'wgtray.exe'
$menu = $shell.CreateShortcut((Join-Path ([Environment]::GetFolderPath('CommonPrograms')) 'wgtray.lnk'))
$menu.TargetPath = $gui
$menu.WorkingDirectory = $Destination
$menu.Description = 'WireGuard tunnels'
$menu.Save()
$login = $shell.CreateShortcut((Join-Path ([Environment]::GetFolderPath('CommonStartup')) 'wgtray.lnk'))
$login.TargetPath = $gui
$login.Arguments = '--hidden'
$login.WorkingDirectory = $Destination
$login.Description = 'wgtray in the notification area'
$login.Save()

Write-Host "wgtray is installed in $Destination and the service is running."
if ($Operator) { Write-Host "$Operator is in the group wgtray: log off and on again for it to take effect." }
Write-Host "Other users who may connect tunnels must be in the group wgtray:"
Write-Host "  Add-LocalGroupMember -Group wgtray -Member USER"

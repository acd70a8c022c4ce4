#Requires -RunAsAdministrator
<#
.SYNOPSIS
Installs wgtray from the unpacked zip: the files into Program Files, the
wgtrayd service (started now and at every boot), a Start menu entry and the
tray icon at every user's login.
#>
param(
    [string]$Destination = (Join-Path $env:ProgramFiles 'wgtray')
)
$ErrorActionPreference = 'Stop'
$source = $PSScriptRoot

# An installed service holds wgtrayd.exe open: take it away before the files
# are replaced. Its tunnels and settings in %ProgramData%\wgtray stay.
$daemon = Join-Path $Destination 'wgtrayd.exe'
if ((Get-Service -Name 'wgtrayd' -ErrorAction SilentlyContinue) -and (Test-Path $daemon)) {
    & $daemon uninstall
}

New-Item -ItemType Directory -Force -Path $Destination | Out-Null
foreach ($file in 'wgtray.exe', 'wgtrayd.exe', 'wintun.dll', 'LICENSE-wintun.txt', 'README.md', 'uninstall.ps1') {
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
Write-Host "Users who may connect tunnels must be in the group Network Configuration Operators:"
Write-Host "  Add-LocalGroupMember -SID S-1-5-32-556 -Member USER"

#Requires -RunAsAdministrator
<#
.SYNOPSIS
Removes wgtray: stops and removes the service (every tunnel goes down),
deletes the Start menu and login entries and the program files. The
tunnels and settings in %ProgramData%\wgtray and the group wgtray stay
unless -Purge is given.
#>
param(
    [string]$Destination = (Join-Path $env:ProgramFiles 'wgtray'),
    [switch]$Purge
)
$ErrorActionPreference = 'Stop'

$daemon = Join-Path $Destination 'wgtrayd.exe'
if (Test-Path $daemon) {
    if ($Purge) { & $daemon uninstall --purge } else { & $daemon uninstall }
    if ($LASTEXITCODE -ne 0) { throw "wgtrayd uninstall failed (exit $LASTEXITCODE)" }
}
foreach ($folder in 'CommonPrograms', 'CommonStartup') {
    Remove-Item -Force -ErrorAction SilentlyContinue -Path (Join-Path ([Environment]::GetFolderPath($folder)) 'wgtray.lnk')
}
Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -Path $Destination
if ($Purge) { Remove-LocalGroup -Name 'wgtray' -ErrorAction SilentlyContinue }
Write-Host 'wgtray is removed.'

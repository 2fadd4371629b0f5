; Incident Desk for Windows workstations: an Inno Setup 6 script around the PyInstaller folder.
;
;   .venv\Scripts\pyinstaller --noconfirm --distpath build\dist --workpath build\work packaging\incidentdesk.spec
;   copy site.ini build\dist\incidentdesk\incidentdesk-site.ini      (optional: the site's database)
;   iscc /DAppVersion=1.2.0 packaging\windows\incidentdesk.iss
;
; gives build\installers\IncidentDesk-1.2.0-setup.exe. The site file is the one that
; `incidentdesk package` writes on Linux (a [database] url WITHOUT password, a [site] time zone
; and holiday country); without it the first start asks (connection wizard). Users' settings
; live in %APPDATA%\IncidentDesk and %LOCALAPPDATA%\IncidentDesk: an upgrade installs over the
; old version in place and keeps them; uninstalling removes the program folder only.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Incident Desk"
#define Bundle "..\..\build\dist\incidentdesk"

[Setup]
; the same AppId for every version: setup upgrades the installed one
AppId={{5B0F5C1E-8E7A-4C59-9C1D-5D1F3A7E2B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Incident Desk administrators
DefaultDirName={autopf}\Incident Desk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\build\installers
OutputBaseFilename=IncidentDesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\incidentdesk.exe
WizardStyle=modern
CloseApplications=yes

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade: the old version's libraries go first (a file the new one no longer has must not stay)
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\incidentdesk.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\incidentdesk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
Filename: "{app}\incidentdesk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; what the application wrote in its own folder (Python's caches); the users' folders stay
Type: filesandordirs; Name: "{app}"

package paths

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// stateDirSDDL lets LocalSystem and Administrators, and nobody else, into
// the state directory and everything in it; the directory inherits nothing
// from ProgramData, whose ACL lets every user read.
const stateDirSDDL = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// MakeStateDir creates the state directory dir if need be and makes it the
// service's alone: only the system and administrators may open it or what
// it holds, whatever its ACL was.
func MakeStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(stateDirSDDL)
	if err != nil {
		return fmt.Errorf("restrict state directory %s: %w", dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("restrict state directory %s: %w", dir, err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("restrict state directory %s: %w", dir, err)
	}
	return nil
}

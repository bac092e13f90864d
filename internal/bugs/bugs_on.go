//go:build plantedbugs

package bugs

import (
	"fmt"
	"slices"
)

// enabled is the one bug switched on, or "" for none.
var enabled string

// Enabled reports whether the named planted bug is on.
func Enabled(name string) bool { return enabled != "" && name == enabled }

// Enable switches the named bug on (and any other off); "" switches all off.
// An unknown name is an error.
func Enable(name string) error {
	if name != "" && !slices.Contains(Names(), name) {
		return fmt.Errorf("bugs: unknown planted bug %q", name)
	}
	enabled = name
	return nil
}

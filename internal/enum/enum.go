// Package enum names the values of the small enumerations numbered from
// one (operation kinds, entry kinds, file operations): one String for all
// of them.
package enum

import "strconv"

// Name returns names[k] when 0 < k < len(names) and the name is not
// empty, and otherwise kind and the number, as in "operation(9)": the
// String of an enumeration whose zero value is not valid.
func Name[K ~uint8](k K, names []string, kind string) string {
	if k > 0 && int(k) < len(names) && names[k] != "" {
		return names[k]
	}
	return kind + "(" + strconv.Itoa(int(k)) + ")"
}

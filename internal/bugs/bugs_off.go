//go:build !plantedbugs

package bugs

// Enabled reports whether the named planted bug is on: never, in a build
// without the plantedbugs tag. It is constant, so every guarded deviation
// is compiled away.
func Enabled(name string) bool { return false }

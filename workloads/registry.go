package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// ErrUnknownWorkload reports a workload name that is not registered.
var ErrUnknownWorkload = errors.New("workloads: unknown workload")

// ErrBadWorkload reports a workload that cannot be named in a seed file:
// a bad name, or parameters that do not round-trip through JSON.
var ErrBadWorkload = errors.New("workloads: bad workload")

// namePattern is what a workload name may hold: it names seed files
// ("<name>-<seed>.json") and is a word on a run line.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// registry maps names to workloads. Tests register from parallel
// goroutines, hence the lock.
var registry = struct {
	sync.Mutex
	workloads map[string]Workload
}{workloads: map[string]Workload{}}

func init() {
	for _, name := range builtinNames {
		Register(builtin(name))
	}
}

// Register adds a workload under its name, so that seed files can name it
// and Lookup and Decode find it; register yours in an init function or
// TestMain of the test binary that replays its seed files (Decode builds
// a struct workload's value from its type and the file alone, so which
// value is registered does not matter). Registering a workload of a registered name and the same Go type again
// does nothing. Register panics on a bad name and on a second Go type
// under one name: both are programming errors.
func Register(w Workload) {
	if w == nil {
		panic("workloads: Register of a nil workload")
	}
	name := w.Name()
	if err := checkName(name); err != nil {
		panic(err)
	}
	registry.Lock()
	defer registry.Unlock()
	if existing, found := registry.workloads[name]; found {
		if reflect.TypeOf(existing) != reflect.TypeOf(w) {
			panic(fmt.Sprintf("workloads: two workloads are named %q: %T and %T", name, existing, w))
		}
		return
	}
	registry.workloads[name] = w
}

// Lookup returns the workload registered under name.
func Lookup(name string) (Workload, error) {
	registry.Lock()
	w, found := registry.workloads[name]
	registry.Unlock()
	if !found {
		return nil, fmt.Errorf("%w %q (want one of: %s)", ErrUnknownWorkload, name, strings.Join(Names(), ", "))
	}
	return w, nil
}

// Names returns the registered workload names, sorted.
func Names() []string {
	registry.Lock()
	defer registry.Unlock()
	return slices.Sorted(maps.Keys(registry.workloads))
}

// Named returns the workload registered under name. For a name not
// registered it returns a stand-in that Resolve refuses and whose runs
// fail, naming it.
func Named(name string) Workload {
	if w, err := Lookup(name); err == nil {
		return w
	}
	return unregistered(name)
}

// unregistered stands for a name Named did not find.
type unregistered string

func (u unregistered) Name() string { return string(u) }

func (u unregistered) Build(*Builder) {
	panic(fmt.Sprintf("workloads: Build of the unregistered workload %q", string(u)))
}

// Resolve returns the workload a scenario runs: DefaultWorkload for nil,
// the registered workload for a name Named did not find then, and w
// itself otherwise. It refuses a name still unknown and a name a seed
// file could not carry.
func Resolve(w Workload) (Workload, error) {
	switch named := w.(type) {
	case nil:
		return Lookup(DefaultWorkload)
	case unregistered:
		return Lookup(string(named))
	}
	if err := checkName(w.Name()); err != nil {
		return nil, err
	}
	return w, nil
}

func checkName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%w: name %q is not 1 to 64 letters, digits, '.', '_' or '-' starting with a letter or digit",
			ErrBadWorkload, name)
	}
	return nil
}

// Parameters returns the JSON object a workload's value marshals to, or
// nil when it has no fields (Proven's own workloads have none). A value
// that does not marshal is an error.
func Parameters(w Workload) (json.RawMessage, error) {
	data, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: its parameters do not marshal to JSON: %v", ErrBadWorkload, w.Name(), err)
	}
	if len(data) == 0 || data[0] != '{' || string(data) == "{}" {
		return nil, nil
	}
	return data, nil
}

// Decode returns the workload registered under name with a seed file's
// parameters: for a struct (or pointer to struct) type, a zero value of
// it with the parameters filled in (so a value is exactly its exported
// fields, whatever value was registered); for any other type, the
// registered value, which then takes no parameters. Unknown fields and
// wrong types are errors.
func Decode(name string, parameters json.RawMessage) (Workload, error) {
	prototype, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	value, target, ok := zeroOf(prototype)
	if !ok {
		if len(parameters) > 0 {
			return nil, fmt.Errorf("%w: %s takes no parameters", ErrBadWorkload, name)
		}
		return prototype, nil
	}
	if len(parameters) > 0 {
		decoder := json.NewDecoder(bytes.NewReader(parameters))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(target.Interface()); err != nil {
			return nil, fmt.Errorf("%w: %s: parameters: %v", ErrBadWorkload, name, err)
		}
	}
	decoded := value.Interface().(Workload)
	if decoded.Name() != name {
		return nil, fmt.Errorf("%w: %s: with these parameters it is named %q", ErrBadWorkload, name, decoded.Name())
	}
	return decoded, nil
}

// zeroOf returns a zero value of a struct (or pointer to struct)
// workload's type and a pointer to decode into.
func zeroOf(prototype Workload) (value, target reflect.Value, ok bool) {
	kind := reflect.TypeOf(prototype)
	switch {
	case kind.Kind() == reflect.Struct:
		target = reflect.New(kind)
		return target.Elem(), target, true
	case kind.Kind() == reflect.Pointer && kind.Elem().Kind() == reflect.Struct:
		target = reflect.New(kind.Elem())
		return target, target, true
	}
	return reflect.Value{}, reflect.Value{}, false
}

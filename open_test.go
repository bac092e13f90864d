package proven

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/live"
	"github.com/proven2pc/proven/live/store"
)

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// lockHelperEnvironment names the store a second process tries to open.
const lockHelperEnvironment = "PROVEN_OPEN_LOCK_HELPER_DIR"

// TestOpenLockHelperProcess is not a test: it is the second process of
// TestOpenRefusesBadInput, run with lockHelperEnvironment set. It prints
// Open's error and exits.
func TestOpenLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnvironment)
	if dir == "" {
		return
	}
	db, err := Open(dir, Options{Streams: []StreamSpec{KV("users")}, Logger: quietLogger})
	if err == nil {
		db.Close()
		fmt.Println("opened")
		os.Exit(0)
	}
	fmt.Printf("error: %v locked=%t\n", err, errors.Is(err, live.ErrLocked))
	os.Exit(3)
}

// tree lists every file and directory under dir with its content.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		relative, _ := filepath.Rel(dir, path)
		if entry.IsDir() {
			lines = append(lines, relative+"/")
			return nil
		}
		content, err := os.ReadFile(path)
		lines = append(lines, fmt.Sprintf("%s %q", relative, content))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestOpenRefusesBadInput: a directory that is not a store, a store of a
// newer format, a stream reopened with another engine (beside a new
// stream, which must not be created), a store locked by a second process,
// and options no store could run each give a clear error naming what is
// wrong, and leave the directory exactly as it was.
func TestOpenRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	users := Options{Streams: []StreamSpec{KV("users")}, Logger: quietLogger}
	storeDir := filepath.Join(root, "store")
	db, err := Open(storeDir, users)
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.New(db.AdHoc(), "users").PutString(ctx, "user:1", "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A second process, while this one holds the store's lock (held
	// without running the streams, so that nothing writes meanwhile).
	held, err := store.Open(storeDir, store.Options{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, storeDir)
	command := exec.Command(os.Args[0], "-test.run=^TestOpenLockHelperProcess$")
	command.Env = append(os.Environ(), lockHelperEnvironment+"="+storeDir)
	output, err := command.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || !strings.Contains(string(output), "locked=true") ||
		!strings.Contains(string(output), storeDir) {
		t.Errorf("second process: %v, output %q; want ErrLocked naming %s", err, output, storeDir)
	}
	if after := tree(t, storeDir); after != before {
		t.Errorf("the second process changed the store:\n%s\nwas\n%s", after, before)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}

	notStore := filepath.Join(root, "photos")
	if err := os.MkdirAll(notStore, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notStore, "cat.jpg"), []byte("meow"), 0o644); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(root, "newer")
	if err := os.CopyFS(newer, os.DirFS(storeDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(newer, "FORMAT"), []byte(`{"magic":"proven store","format":99}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name    string
		dir     string
		options Options
		want    error
		names   string
	}{
		{"not a store", notStore, users, live.ErrNotStore, notStore},
		{"newer format", newer, users, live.ErrNewerFormat, "format 99"},
		{"another engine", storeDir, Options{Streams: []StreamSpec{KV("sessions"), Queue("users")}, Logger: quietLogger},
			live.ErrEngineMismatch, `"users"`},
		{"no stream", storeDir, Options{Logger: quietLogger}, live.ErrBadOptions, "no stream"},
		{"a name twice", storeDir, Options{Streams: []StreamSpec{KV("users"), SQL("users")}, Logger: quietLogger},
			live.ErrBadOptions, `"users" is named twice`},
		{"no engine", storeDir, Options{Streams: []StreamSpec{{Name: "x", Engine: "kv"}}, Logger: quietLogger},
			live.ErrBadOptions, "no engine"},
	} {
		before := tree(t, test.dir)
		db, err := Open(test.dir, test.options)
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, test.want) || !strings.Contains(fmt.Sprint(err), test.names) {
			t.Errorf("%s: %v; want %v naming %s", test.name, err, test.want, test.names)
		}
		if after := tree(t, test.dir); after != before {
			t.Errorf("%s changed the directory:\n%s\nwas\n%s", test.name, after, before)
		}
	}

	// The store still opens, with its data.
	db, err = Open(storeDir, users)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read := db.BeginReadOnly(ctx)
	if name, _, err := kv.New(read, "users").GetString(ctx, "user:1"); name != "Alice" || err != nil {
		t.Fatalf("user:1 = %q, %v after the refusals", name, err)
	}
}

package natscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

const serveEnvironment = "NATSCLUSTER_TEST_SERVE"

// TestMain runs a server when the test binary is re-executed as one.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnvironment) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := Serve(ctx, os.Args[1:])
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func reexecute(args []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), serveEnvironment+"=1")
	cmd.Stderr = os.Stderr
	return cmd
}

// TestFreePortsAvoidTheEphemeralRange: the ports are distinct, free, and
// outside the range the kernel hands out for outgoing connections.
func TestFreePortsAvoidTheEphemeralRange(t *testing.T) {
	first, last := 0, -1
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		fields := strings.Fields(string(data))
		first, _ = strconv.Atoi(fields[0])
		last, _ = strconv.Atoi(fields[1])
	}
	for range 20 {
		ports, err := freePorts(8)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, port := range ports {
			if seen[port] {
				t.Fatalf("port %d chosen twice in %v", port, ports)
			}
			seen[port] = true
			if port >= first && port <= last {
				t.Fatalf("port %d is in the ephemeral range %d-%d", port, first, last)
			}
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatalf("port %d is not free: %v", port, err)
			}
			l.Close()
		}
	}
}

// takenThenFree makes Start's first choice of ports include one that a
// listener holds, as another process might take a port between its
// choice and its server's listen; later choices are freePorts'.
func takenThenFree(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	calls := 0
	choosePorts = func(count int) ([]int, error) {
		calls++
		ports, err := freePorts(count)
		if calls == 1 && err == nil {
			ports[count-1] = held.Addr().(*net.TCPAddr).Port
		}
		return ports, err
	}
	t.Cleanup(func() {
		choosePorts = freePorts
		if calls != 2 {
			t.Errorf("Start chose ports %d times, want 2 (once taken, once free)", calls)
		}
	})
}

// TestStartMovesOffATakenPort: a server that cannot listen makes Start try
// again on other ports, at once (not after StartTimeout), in process and
// as child processes; the cluster that starts works.
func TestStartMovesOffATakenPort(t *testing.T) {
	for _, command := range []func([]string) *exec.Cmd{nil, reexecute} {
		name := "in process"
		if command != nil {
			name = "child processes"
		}
		t.Run(name, func(t *testing.T) {
			takenThenFree(t)
			begin := time.Now()
			cluster, err := Start(Config{Size: 2, Dir: t.TempDir(), StartTimeout: time.Minute, Command: command})
			if err != nil {
				t.Fatal(err)
			}
			defer cluster.Close()
			if elapsed := time.Since(begin); elapsed > 30*time.Second {
				t.Errorf("Start took %v: it waited for the taken port", elapsed)
			}
			connection, err := nats.Connect(cluster.URLs())
			if err != nil {
				t.Fatal(err)
			}
			defer connection.Close()
			if err := connection.Flush(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestServerOnATakenPortFailsAtOnce: startServer names the port's failure
// and wraps errPortTaken, without waiting for its timeout.
func TestServerOnATakenPortFailsAtOnce(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	begin := time.Now()
	s, err := startServer(serverSpec{name: "taken", port: port, dir: t.TempDir()}, time.Minute)
	if err == nil {
		s.Shutdown()
		t.Fatal("a server started on a port another listener holds")
	}
	if !errors.Is(err, errPortTaken) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q: want errPortTaken naming port %d", err, port)
	}
	if elapsed := time.Since(begin); elapsed > 30*time.Second {
		t.Errorf("startServer took %v to fail", elapsed)
	}
}

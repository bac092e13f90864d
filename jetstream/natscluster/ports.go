package natscluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// errPortTaken marks a server that could not listen on its ports.
var errPortTaken = errors.New("port taken")

// choosePorts is Start's choice of ports: freePorts, or a test's.
var choosePorts = freePorts

// freePorts returns count distinct ports that are free on loopback, drawn
// at random from outside the kernel's ephemeral range. A port the kernel
// hands out for ":0" is also one it hands out as the local end of an
// outgoing connection: between Kill and Restart, or between Start's
// choice and the server's listen, any client of any process on the
// machine could take it, and the server would then fail to listen (it
// happened in CI, with the Jepsen test's clients beside another test's
// cluster). Ports outside that range are taken only by listeners.
func freePorts(count int) ([]int, error) {
	low, high := listenRange()
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, count)
	for tries := 0; len(ports) < count; tries++ {
		if tries == 100*count {
			return nil, fmt.Errorf("natscluster: no %d free ports found in %d-%d", count, low, high)
		}
		port := low + rand.IntN(high-low+1)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		listeners = append(listeners, l)
		ports = append(ports, port)
	}
	return ports, nil
}

// listenRange is the range freePorts draws from: the larger side of the
// kernel's ephemeral range (Linux's ip_local_port_range) within
// 10000-65535, or 20000-32767 where the range is unknown (below the
// defaults of Linux, the BSDs, macOS and Windows).
func listenRange() (low, high int) {
	low, high = 20000, 32767
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return low, high
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return low, high
	}
	first, err1 := strconv.Atoi(fields[0])
	last, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil || first > last {
		return low, high
	}
	below, above := first-10000, 65535-last
	switch {
	case below >= above && below >= 1000:
		return 10000, first - 1
	case above > below && above >= 1000:
		return last + 1, 65535
	}
	return low, high
}

// startServer starts the server spec describes and waits until it
// accepts connections. A server that cannot listen on its ports reports
// it through its log (it does not stop, and never becomes ready): that
// error comes at once, not after the timeout, and wraps errPortTaken.
func startServer(spec serverSpec, timeout time.Duration) (*server.Server, error) {
	s, err := server.NewServer(serverOptions(spec))
	if err != nil {
		return nil, fmt.Errorf("natscluster: server %s: %w", spec.name, err)
	}
	logger := &fatalLogger{fatal: make(chan string, 1)}
	s.SetLogger(logger, false, false)
	go s.Start()
	deadline := time.Now().Add(timeout)
	for !s.ReadyForConnections(50 * time.Millisecond) {
		select {
		case message := <-logger.fatal:
			s.Shutdown()
			s.WaitForShutdown()
			if strings.HasPrefix(message, "Error listening on") {
				return nil, fmt.Errorf("natscluster: server %s: %s: %w", spec.name, message, errPortTaken)
			}
			return nil, fmt.Errorf("natscluster: server %s: %s", spec.name, message)
		default:
		}
		if time.Now().After(deadline) {
			s.Shutdown()
			s.WaitForShutdown()
			return nil, fmt.Errorf("natscluster: server %s did not accept connections within %v", spec.name, timeout)
		}
	}
	return s, nil
}

// fatalLogger keeps a server's first fatal message and drops the rest of
// its log (the servers run with NoLog).
type fatalLogger struct{ fatal chan string }

func (l *fatalLogger) Fatalf(format string, v ...any) {
	select {
	case l.fatal <- fmt.Sprintf(format, v...):
	default:
	}
}

func (*fatalLogger) Noticef(string, ...any) {}
func (*fatalLogger) Warnf(string, ...any)   {}
func (*fatalLogger) Errorf(string, ...any)  {}
func (*fatalLogger) Debugf(string, ...any)  {}
func (*fatalLogger) Tracef(string, ...any)  {}

// portsFree reports whether m's ports can be listened on.
func portsFree(m *member) bool {
	for _, port := range []int{m.port, m.clusterPort} {
		if port == 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

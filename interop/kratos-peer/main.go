// Command kratos-peer registers, gets and watches service instances through Kratos' own registry
// implementations (github.com/go-kratos/kratos/contrib/registry/*), so that registry4j's interop tests
// have Kratos' real code on the other side. Output is JSON lines on stdout; see README.md.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-kratos/kratos/v2/registry"
)

// out is the real standard output; os.Stdout is pointed at stderr so that nothing a library prints
// can corrupt the JSON lines.
var (
	out   = os.Stdout
	outMu sync.Mutex
)

func main() {
	os.Stdout = os.Stderr
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		return fail(errors.New("usage: kratos-peer register|get|watch|grpc-serve|grpc-call --backend B --addr A [options]"))
	}
	command := args[0]
	if code, handled := runGRPC(command, args[1:]); handled {
		return code
	}
	opts, err := parseOptions(command, args[1:])
	if err != nil {
		return fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	b, err := openBackend(ctx, opts)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", opts.backend, err))
	}
	defer b.close()

	switch command {
	case "register":
		err = register(ctx, b, os.Stdin)
	case "get":
		err = get(ctx, b, opts)
	case "watch":
		err = watch(ctx, b, opts, os.Stdin)
	default:
		err = fmt.Errorf("unknown command %q (want register, get or watch)", command)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

func fail(err error) int {
	emit(struct {
		Error string `json:"error"`
	}{err.Error()})
	return 1
}

// emit writes one JSON line to the real standard output.
func emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(struct {
			Error string `json:"error"`
		}{err.Error()})
	}
	outMu.Lock()
	defer outMu.Unlock()
	_, _ = out.Write(append(b, '\n'))
}

// request is one line of the register command's input: an instance, or {"deregister":"<id>"}.
type request struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Version    string            `json:"version"`
	Metadata   map[string]string `json:"metadata"`
	Endpoints  []string          `json:"endpoints"`
	Deregister *string           `json:"deregister"`
}

type event struct {
	Event string `json:"event"`
	ID    string `json:"id"`
}

type registration struct {
	registrar registry.Registrar
	instance  *registry.ServiceInstance
}

// register reads instance lines from in and holds their registrations until in ends or the process is
// told to stop; then it deregisters them all.
func register(ctx context.Context, b *backend, in io.Reader) error {
	lines := readLines(in)
	held := map[string]*registration{}
	var order []string
	deregisterAll := func() error {
		var firstErr error
		for _, id := range order {
			r, ok := held[id]
			if !ok {
				continue
			}
			if err := r.registrar.Deregister(context.Background(), r.instance); err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("deregister %q: %w", id, err)
				}
				continue
			}
			delete(held, id)
			emit(event{"deregistered", id})
		}
		return firstErr
	}
	for {
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return deregisterAll()
		case line, ok = <-lines:
		}
		if !ok {
			return deregisterAll()
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		var req request
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			_ = deregisterAll()
			return fmt.Errorf("bad input line %q: %w", line, err)
		}
		if req.Deregister != nil {
			id := *req.Deregister
			r, ok := held[id]
			if !ok {
				_ = deregisterAll()
				return fmt.Errorf("deregister %q: not registered by this peer", id)
			}
			if err := r.registrar.Deregister(ctx, r.instance); err != nil {
				_ = deregisterAll()
				return fmt.Errorf("deregister %q: %w", id, err)
			}
			delete(held, id)
			emit(event{"deregistered", id})
			continue
		}
		si := &registry.ServiceInstance{
			ID:        req.ID,
			Name:      req.Name,
			Version:   req.Version,
			Metadata:  req.Metadata,
			Endpoints: req.Endpoints,
		}
		if r, ok := held[si.ID]; ok {
			// Kratos has no update: a service with new data is a new process. Do what it does on
			// shutdown and start, on the same registrar: Deregister the old instance, Register the new.
			if err := r.registrar.Deregister(ctx, r.instance); err != nil {
				_ = deregisterAll()
				return fmt.Errorf("update %q: deregister: %w", si.ID, err)
			}
			r.instance = copyInstance(si)
			if err := r.registrar.Register(ctx, r.instance); err != nil {
				delete(held, si.ID)
				_ = deregisterAll()
				return fmt.Errorf("update %q: register: %w", si.ID, err)
			}
			emit(event{"updated", si.ID})
			continue
		}
		registrar, err := b.newRegistrar()
		if err != nil {
			_ = deregisterAll()
			return err
		}
		// Kratos' registrars remember instances by pointer (etcd) or add to their metadata (Eureka):
		// register a copy and hand the same copy to Deregister.
		r := &registration{registrar: registrar, instance: copyInstance(si)}
		if err := registrar.Register(ctx, r.instance); err != nil {
			_ = deregisterAll()
			return fmt.Errorf("register %q: %w", si.ID, err)
		}
		held[si.ID] = r
		order = append(order, si.ID)
		emit(event{"registered", si.ID})
	}
}

func copyInstance(si *registry.ServiceInstance) *registry.ServiceInstance {
	c := *si
	if si.Metadata != nil {
		c.Metadata = make(map[string]string, len(si.Metadata))
		for k, v := range si.Metadata {
			c.Metadata[k] = v
		}
	}
	if si.Endpoints != nil {
		c.Endpoints = append([]string(nil), si.Endpoints...)
	}
	return &c
}

// snapshot is one line of get and watch: the instances exactly as Kratos returned them, and the
// addresses Kratos' gRPC resolver writes for them.
type snapshot struct {
	Instances []*registry.ServiceInstance `json:"instances"`
	Resolved  []resolvedAddress           `json:"resolved"`
}

func get(ctx context.Context, b *backend, opts *options) error {
	d, err := b.newDiscovery()
	if err != nil {
		return err
	}
	if opts.settle > 0 {
		// A long-running Kratos client asks a Discovery that has had time to fill its cache (Eureka's is filled
		// by a background refresh); a fresh process may otherwise race that first refresh.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(opts.settle):
		}
	}
	cctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	instances, err := d.GetService(cctx, opts.name)
	if err != nil {
		return fmt.Errorf("GetService %q: %w", opts.name, err)
	}
	resolved, err := resolve(opts.name, instances)
	if err != nil {
		return err
	}
	emit(snapshot{Instances: instances, Resolved: resolved})
	return nil
}

type nextResult struct {
	instances []*registry.ServiceInstance
	err       error
}

type watchError struct {
	WatchError string `json:"watchError"`
}

// watch prints one line per Watcher.Next result until stdin ends or the process is told to stop.
// A Next error is printed as {"watchError":...} and Next is called again, as Kratos' resolver does.
func watch(ctx context.Context, b *backend, opts *options, in io.Reader) error {
	d, err := b.newDiscovery()
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for range readLines(in) {
		}
		cancel()
	}()
	w, err := d.Watch(wctx, opts.name)
	if err != nil {
		return fmt.Errorf("Watch %q: %w", opts.name, err)
	}
	defer func() { _ = w.Stop() }()
	results := make(chan nextResult)
	go func() {
		for {
			instances, err := w.Next()
			select {
			case results <- nextResult{instances, err}:
			case <-wctx.Done():
				return
			}
			if err != nil && wctx.Err() != nil {
				return
			}
		}
	}()
	for {
		select {
		case <-wctx.Done():
			return nil
		case r := <-results:
			if r.err != nil {
				if wctx.Err() != nil {
					return nil
				}
				emit(watchError{r.err.Error()})
				select {
				case <-wctx.Done():
					return nil
				case <-time.After(time.Second):
				}
				continue
			}
			resolved, err := resolve(opts.name, r.instances)
			if err != nil {
				return err
			}
			emit(snapshot{Instances: r.instances, Resolved: resolved})
		}
	}
}

// readLines delivers the lines of r and closes the channel at EOF.
func readLines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		s := bufio.NewScanner(r)
		s.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for s.Scan() {
			ch <- s.Text()
		}
	}()
	return ch
}

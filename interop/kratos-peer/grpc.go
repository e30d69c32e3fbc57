package main

// The gRPC side of the peer: a real Kratos gRPC server registered by Kratos' own app lifecycle
// (grpc-serve), and a real Kratos gRPC client dialling discovery:///<name> through Kratos' own
// resolver (grpc-call). They are the other side of registry4j's gRPC name-resolver interop tests.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/go-kratos/kratos/v2"
	kgrpc "github.com/go-kratos/kratos/v2/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// whoamiMethod answers the name of the serving instance: a StringValue in, a StringValue out.
const whoamiMethod = "/registry4j.test.Whoami/Name"

// grpcOptions are the flags of the gRPC commands; the backend flags are parsed by parseOptions.
type grpcOptions struct {
	id       string
	version  string
	listen   string
	metadata map[string]string
}

// runGRPC runs grpc-serve or grpc-call; handled reports whether command is one of them.
func runGRPC(command string, args []string) (code int, handled bool) {
	if command != "grpc-serve" && command != "grpc-call" {
		return 0, false
	}
	g, rest, err := splitGRPCFlags(args)
	if err != nil {
		return fail(err), true
	}
	opts, err := parseOptions(command, rest)
	if err != nil {
		return fail(err), true
	}
	if opts.name == "" {
		return fail(errors.New("--name is required")), true
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	b, err := openBackend(ctx, opts)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", opts.backend, err)), true
	}
	defer b.close()
	if command == "grpc-serve" {
		err = grpcServe(ctx, b, opts, g, os.Stdin)
	} else {
		err = grpcCall(ctx, b, opts)
	}
	if err != nil {
		return fail(err), true
	}
	return 0, true
}

// splitGRPCFlags takes the --grpc-* flags (--grpc-id, --grpc-version, --grpc-listen, --grpc-metadata
// k=v, repeatable) out of args and returns the rest for parseOptions.
func splitGRPCFlags(args []string) (*grpcOptions, []string, error) {
	g := &grpcOptions{listen: "127.0.0.1:0", metadata: map[string]string{}}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--grpc-") {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--grpc-"), "=")
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		switch name {
		case "id":
			g.id = value
		case "version":
			g.version = value
		case "listen":
			g.listen = value
		case "metadata":
			k, v, ok := strings.Cut(value, "=")
			if !ok || k == "" {
				return nil, nil, fmt.Errorf("--grpc-metadata wants key=value, got %q", value)
			}
			g.metadata[k] = v
		default:
			return nil, nil, fmt.Errorf("unknown flag %s (want --grpc-id, --grpc-version, --grpc-listen, --grpc-metadata)", a)
		}
	}
	return g, rest, nil
}

type servingEvent struct {
	Event    string `json:"event"`
	ID       string `json:"id"`
	Endpoint string `json:"endpoint,omitempty"`
}

// grpcServe runs a Kratos app with one Kratos gRPC server (its standard health service plus the
// whoami method) and the backend's Kratos registrar, exactly as a Kratos service does: kratos.New
// registers the server's endpoint after start and deregisters it on stop. It prints
// {"event":"serving",...} once registered and {"event":"stopped",...} when stdin ends or on SIGTERM.
func grpcServe(ctx context.Context, b *backend, opts *options, g *grpcOptions, in io.Reader) error {
	registrar, err := b.newRegistrar()
	if err != nil {
		return err
	}
	if g.id == "" {
		return errors.New("--grpc-id is required")
	}
	srv := kgrpc.NewServer(kgrpc.Address(g.listen))
	id := g.id
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "registry4j.test.Whoami",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Name",
			Handler: func(s any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				answer := func(context.Context, any) (any, error) { return wrapperspb.String(id), nil }
				if interceptor == nil {
					return answer(ctx, in)
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: s, FullMethod: whoamiMethod}, answer)
			},
		}},
	}, struct{}{})
	endpoint, err := srv.Endpoint()
	if err != nil {
		return err
	}
	app := kratos.New(
		kratos.ID(g.id),
		kratos.Name(opts.name),
		kratos.Version(g.version),
		kratos.Metadata(g.metadata),
		kratos.Server(srv),
		kratos.Registrar(registrar),
		kratos.Context(ctx), // Kratos also stops (deregistering first) on SIGTERM, SIGQUIT, SIGINT
		kratos.AfterStart(func(context.Context) error {
			emit(servingEvent{"serving", g.id, endpoint.String()})
			return nil
		}),
	)
	go func() {
		for range readLines(in) {
		}
		// As a Kratos service stopping: deregister, then stop the servers.
		_ = app.Stop()
	}()
	if err := app.Run(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	emit(servingEvent{Event: "stopped", ID: g.id})
	return nil
}

type callResult struct {
	Health string `json:"health"`
	Whoami string `json:"whoami"`
}

// grpcCall dials discovery:///<name> as a Kratos client does (kgrpc.DialInsecure with the backend's
// Kratos discovery, so Kratos' resolver and balancer pick the address), waits for a ready address
// within --timeout, then calls the standard health check and the whoami method once each and prints
// {"health":"SERVING","whoami":"<id>"}.
func grpcCall(ctx context.Context, b *backend, opts *options) error {
	d, err := b.newDiscovery()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	conn, err := kgrpc.DialInsecure(cctx,
		kgrpc.WithEndpoint("discovery:///"+opts.name),
		kgrpc.WithDiscovery(d),
		kgrpc.WithTimeout(opts.timeout),
	)
	if err != nil {
		return fmt.Errorf("dial discovery:///%s: %w", opts.name, err)
	}
	defer func() { _ = conn.Close() }()
	health, err := grpc_health_v1.NewHealthClient(conn).Check(cctx, &grpc_health_v1.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		return fmt.Errorf("health check of discovery:///%s: %w", opts.name, err)
	}
	reply := new(wrapperspb.StringValue)
	if err := conn.Invoke(cctx, whoamiMethod, wrapperspb.String("who"), reply, grpc.WaitForReady(true)); err != nil {
		return fmt.Errorf("whoami of discovery:///%s: %w", opts.name, err)
	}
	emit(callResult{Health: health.GetStatus().String(), Whoami: reply.GetValue()})
	return nil
}

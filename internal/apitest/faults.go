package apitest

import (
	"context"
	"testing"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
)

// PanicText is in the panic of the fault routes; no answer may show it.
const PanicText = "boom secret-stack"

// WithFaultRoutes adds routes that fail, to prove that each dialect
// answers a failure from its catalog: RPC test.panic and REST GET
// /test/panic panic (500001, internal_server_error), and RPC test.unchecked
// asks for credentials the adapter does not know, so it must not run.
func WithFaultRoutes() Option { return func(c *config) { c.faultRoutes = true } }

func addFaultRoutes(t testing.TB, a *app.App) {
	a.RPC.Register("test.panic", rpc.Method{Run: func(context.Context, *rpc.Call) (any, error) { panic(PanicText) }})
	a.RPC.Register("test.unchecked", rpc.Method{Auth: rpc.Auth(99), Run: func(context.Context, *rpc.Call) (any, error) {
		t.Error("a method ran on unchecked credentials")
		return nil, nil
	}})
	a.REST.Handle("GET /test/panic", func(context.Context, *rest.Request) (rest.Response, error) { panic(PanicText) })
}

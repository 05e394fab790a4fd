package rpc

import (
	"context"
	"slices"
	"strconv"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/schema"
)

// schemaMethods are the accounts.*Schema* methods.
func schemaMethods(x Accounts) map[string]Method {
	objects := []string{"profileSchema", "dataSchema", "subscriptionsSchema", "preferencesSchema", "scope"}
	return map[string]Method{
		"accounts.setSchema": {Auth: Server, Run: x.setSchema, Params: append(objects,
			// accepted:
			"internalSchema", "addressesSchema")},
		"accounts.getSchema": {Auth: APIKey, Run: x.getSchema, Params: []string{"filter", "include", "scope",
			// accepted:
			"schemaType", "includeDynamicSchema"}},
		"accounts.deleteSchemaFields": {Auth: Server, Run: x.deleteSchemaFields, Params: []string{
			"dataSchemaFields", "profileSchemaFields", "subscriptionsSchemaFields", "preferencesSchemaFields"}},
	}
}

// checkScope accepts the scopes custos has: a site is its own group, so
// group, site and effective all name the site's schema.
func checkScope(p *Params) error {
	switch p.Get("scope") {
	case "", "site", "group", "effective":
		return nil
	}
	return errcode.InvalidValue("scope", "want site, group or effective")
}

func (x Accounts) setSchema(ctx context.Context, c *Call) (any, error) {
	if err := checkScope(c.Params); err != nil {
		return nil, err
	}
	docs := schema.Documents{}
	for _, o := range schema.Objects {
		if c.Params.Has(schema.Param(o)) {
			docs[o] = c.Params.Get(schema.Param(o))
		}
	}
	if len(docs) == 0 {
		return nil, errcode.Missing("profileSchema, dataSchema, subscriptionsSchema or preferencesSchema")
	}
	_, err := x.Sites.SetSchema(ctx, c.Site.ID, docs)
	return obj{}, err
}

func (x Accounts) getSchema(ctx context.Context, c *Call) (any, error) {
	if err := checkScope(c.Params); err != nil {
		return nil, err
	}
	filter := c.Params.Get("filter")
	switch filter {
	case "":
		filter = schema.FilterFull
	case schema.FilterFull, schema.FilterExplicitOnly, schema.FilterClientOnly:
	default:
		return nil, errcode.InvalidValue("filter", "want full, explicitOnly or clientOnly")
	}
	names := list(c.Params.Get("include"))
	for _, n := range names {
		if !slices.ContainsFunc(schema.Objects, func(o schema.Object) bool { return schema.Param(o) == n }) {
			return nil, errcode.InvalidValue("include", "unknown schema "+strconv.Quote(n))
		}
	}
	out := obj{}
	for _, o := range schema.Objects {
		if len(names) == 0 || slices.Contains(names, schema.Param(o)) {
			out[schema.Param(o)] = c.Site.Schema.View(o, filter)
		}
	}
	return out, nil
}

func (x Accounts) deleteSchemaFields(ctx context.Context, c *Call) (any, error) {
	fields := map[schema.Object][]string{}
	for _, o := range schema.Objects {
		param := string(o) + "SchemaFields"
		if !c.Params.Has(param) {
			continue
		}
		paths := list(c.Params.Get(param))
		if len(paths) == 0 {
			return nil, errcode.Missing(param)
		}
		fields[o] = paths
	}
	if len(fields) == 0 {
		return nil, errcode.Missing("dataSchemaFields")
	}
	_, err := x.Sites.DeleteSchemaFields(ctx, c.Site.ID, fields)
	return obj{}, err
}

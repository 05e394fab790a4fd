package rpc

import (
	"context"
	"slices"
	"strings"

	"github.com/custos-id/custos/internal/account"
)

// importFullAccountParams are the properties of an import document
// (account.ParseImport), matched case-insensitively.
var importFullAccountParams = []string{
	"UID", "createUID", "importPolicy", "created", "lastLogin", "lastUpdated", "registered", "verified",
	"isActive", "isRegistered", "isVerified", "emails", "loginIDs", "profile", "data", "preferences",
	"subscriptions", "password",
}

// importAccountParams are the flat parameters of the older importAccount.
var importAccountParams = []string{
	"UID", "username", "email", "profile", "data", "skipVerification", "finalizeRegistration", "created",
	"lastUpdated", "lastLogin", "isActive", "compoundHashedPassword", "hashedPassword", "pwHashAlgorithm",
	"pwHashFormat", "pwHashBinaryFormat", "pwHashSalt", "pwHashRounds", "url",
}

// importMethods are accounts.importFullAccount and the older, flat
// accounts.importAccount mapped onto it: server calls only.
func importMethods(x Accounts) map[string]Method {
	return map[string]Method{
		"accounts.importFullAccount": {Auth: Server, Run: x.importFullAccount, Params: importFullAccountParams, FoldCase: true},
		"accounts.importAccount":     {Auth: Server, Run: x.importAccount, Params: importAccountParams},
	}
}

// importDoc is the import document of a call's parameters: every one but
// the control parameters, as sent (JSON values stay strings: the document
// reader decodes them).
func importDoc(p *Params) map[string]any {
	doc := map[string]any{}
	for _, n := range p.Names() {
		if !slices.Contains(controlParams, n) {
			doc[n] = p.Get(n)
		}
	}
	return doc
}

func (x Accounts) importFullAccount(ctx context.Context, c *Call) (any, error) {
	in, unknown, err := account.ParseImport(importDoc(c.Params))
	if err != nil {
		return nil, err
	}
	return x.runImport(ctx, c, in, unknown, false)
}

func (x Accounts) runImport(ctx context.Context, c *Call, in account.ImportInput, unknown []string, flat bool) (any, error) {
	res, err := x.Accounts.Import(ctx, c.Site, in)
	if err != nil {
		return nil, err
	}
	out := obj{"UID": res.Account.UID, "identityConflicts": []any{}, "isUpdated": res.Updated}
	if flat {
		out["isImported"] = true
	}
	// Top-level parameters nobody reads come back in ignoredParams; the
	// properties inside the objects here.
	var inner []string
	for _, u := range unknown {
		if strings.Contains(u, ".") {
			inner = append(inner, u)
		}
	}
	if len(inner) > 0 {
		out["ignoredFields"] = inner
	}
	return out, nil
}

// importAccount maps the flat parameters onto an import document.
func (x Accounts) importAccount(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	doc := map[string]any{}
	for _, n := range []string{"UID", "profile", "data", "created", "lastUpdated", "lastLogin", "isActive"} {
		if p.Has(n) {
			doc[n] = p.Get(n)
		}
	}
	verified, err := p.Bool("skipVerification", false)
	if err != nil {
		return nil, err
	}
	if p.Has("finalizeRegistration") {
		doc["isRegistered"] = p.Get("finalizeRegistration")
	}
	ids := map[string]any{"username": p.Get("username")}
	if e := p.Get("email"); e != "" {
		if verified {
			ids["emails"], doc["emails"] = []any{e}, map[string]any{"verified": []any{e}}
		} else {
			ids["unverifiedEmails"], doc["emails"] = []any{e}, map[string]any{"unverified": []any{e}}
		}
	}
	doc["loginIDs"] = ids
	if pw := flatPassword(p); pw != nil {
		doc["password"] = pw
	}
	in, unknown, err := account.ParseImport(doc)
	if err != nil {
		return nil, err
	}
	return x.runImport(ctx, c, in, unknown, true)
}

// flatPassword is the password object of importAccount's pwHash* parameters.
func flatPassword(p *Params) map[string]any {
	if c := p.Get("compoundHashedPassword"); c != "" {
		return map[string]any{"compoundHashedPassword": c}
	}
	if p.Get("hashedPassword") == "" {
		return nil
	}
	hs := map[string]any{}
	for param, prop := range map[string]string{"pwHashAlgorithm": "algorithm", "pwHashFormat": "format",
		"pwHashBinaryFormat": "binaryFormat", "pwHashSalt": "salt", "pwHashRounds": "rounds", "url": "URL"} {
		if p.Has(param) {
			hs[prop] = p.Get(param)
		}
	}
	return map[string]any{"hashedPassword": p.Get("hashedPassword"), "hashSettings": hs}
}

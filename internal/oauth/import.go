package oauth

import (
	"context"
	"fmt"
	"strings"
)

// MinImportedSecretLen is the shortest client secret ImportClient takes.
// The store keeps a secret's SHA-256, which is right only for a secret as
// hard to guess as the 256-bit ones custos draws: a provider's generated
// secrets are, a person's choice is not.
const MinImportedSecretLen = 32

// ImportClient creates a confidential client that keeps the secret it had
// at another provider (SAP CDC's relying parties move with their clientID
// and secret, so that only their issuer URL changes). The secret is printable
// ASCII without spaces, '%' or '+', MinImportedSecretLen to 512 bytes.
func (s *Service) ImportClient(ctx context.Context, siteID int64, c Client, secret string) (NewClient, error) {
	if err := checkImportedSecret(secret); err != nil {
		return NewClient{}, err
	}
	return s.createClient(ctx, siteID, c, false, secret)
}

func checkImportedSecret(secret string) error {
	if len(secret) < MinImportedSecretLen || len(secret) > maxSecretLen {
		return invalid(AttrSecret, fmt.Sprintf("an imported secret has %d to %d characters", MinImportedSecretLen, maxSecretLen))
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] <= ' ' || secret[i] > '~' {
			return invalid(AttrSecret, "an imported secret is printable ASCII without spaces")
		}
	}
	// The token endpoint URL-decodes Basic credentials (RFC 6749 2.3.1),
	// and many clients (curl -u among them) send them raw: '+' would turn
	// into a space and '%' start an escape, so that the client could not
	// authenticate with its own secret.
	if strings.ContainsAny(secret, "%+") {
		return invalid(AttrSecret, "an imported secret has no '%' or '+': clients send Basic credentials unencoded, and the token endpoint decodes them")
	}
	return nil
}

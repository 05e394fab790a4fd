package authn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/custos-id/custos/errcode"
)

// UIDSignatureWindow is how far the signatureTimestamp of a UIDSignature may
// be from the server's clock when it is exchanged: 180 seconds, the window
// the SDKs check a UIDSignature in themselves (the PHP SDK's
// SigUtils::validateUserSignature refuses abs(now - timestamp) > 180;
// graze/gigya-client's TIMESTAMP_OFFSET is 180).
const UIDSignatureWindow = 180 * time.Second

// ExchangeUIDSignature checks a UIDSignature that from (the site secret)
// made over signatureTimestamp and uid, and returns a new one that to (an
// application key's secret) makes at now, with its timestamp, as
// accounts.exchangeUIDSignature answers: 400006 for a signatureTimestamp
// that is not a Unix time, 403002 for one more than UIDSignatureWindow from
// now, 403003 for a signature that does not match. The comparison is
// constant-time.
func ExchangeUIDSignature(from, to []byte, uid, sig, signatureTimestamp string, now time.Time) (newSig, newTimestamp string, err error) {
	ts, ok := ParseTimestamp(signatureTimestamp)
	if !ok {
		return "", "", errcode.InvalidValue("signatureTimestamp", "want Unix seconds")
	}
	// In whole seconds, the timestamp's unit, as the SDKs compare.
	if d := now.Unix() - ts.Unix(); d > int64(UIDSignatureWindow/time.Second) || -d > int64(UIDSignatureWindow/time.Second) {
		return "", "", errcode.Newf(errcode.RequestExpired,
			"Request has expired: signatureTimestamp is more than %d seconds from the server time (Unix %d); a UIDSignature is exchanged right after the login that issued it",
			int(UIDSignatureWindow.Seconds()), now.Unix())
	}
	if !uidSignatureMatches(from, sig, signatureTimestamp, uid) {
		return "", "", errcode.New(errcode.InvalidRequestSignature,
			"Invalid request signature: UIDSignature is not the site's signature of UID and signatureTimestamp")
	}
	newTimestamp = strconv.FormatInt(now.Unix(), 10)
	return UIDSignature(to, newTimestamp, uid), newTimestamp, nil
}

// uidSignatureMatches tells, in constant time, whether sig is the
// UIDSignature secret makes over timestamp and uid.
func uidSignatureMatches(secret []byte, sig, timestamp, uid string) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha1.Size {
		return false
	}
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(timestamp + "_" + uid))
	return hmac.Equal(mac.Sum(nil), got)
}

package password

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// legacyVector is an imported hash of a known password, with where it was
// published.
type legacyVector struct {
	name, source string
	in           Imported
	password     string
}

func compound(s string) Imported { return Imported{Compound: s} }

func b64hex(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

const (
	rfc6070    = "RFC 6070 §2 (PBKDF2-HMAC-SHA1 test vectors)"
	fips180    = "FIPS 180-2 appendices / RFC 1321 §A.5: digests of \"abc\""
	passlibDoc = "passlib docs, passlib.hash.pbkdf2_digest and the passlib home page"
	phcPBKDF2  = "github.com/simonepri/phc-pbkdf2 test/vectors.js (RFC 6070 in PHC form)"
	phcScrypt  = "github.com/simonepri/phc-scrypt test/vectors.js; passlib test_handlers_scrypt.py"
	kratos     = "github.com/ory/kratos hash/hasher_test.go TestCompare"
	argonCLI   = "github.com/P-H-C/phc-winner-argon2 README (argon2 somesalt -t 2 -m 16 -p 4 -l 24) and src/test.c"
	hashcat    = "hashcat.net/wiki example_hashes (modes 400, 500, 7900)"
	openwall   = "Openwall crypt_blowfish wrapper.c test vectors"
	drepper    = "Ulrich Drepper, Unix crypt using SHA-256 and SHA-512 (akkadia.org/drepper/SHA-crypt.txt), test vectors"
)

var legacyVectors = []legacyVector{
	// Plain digests, Gigya hashedPassword + hashSettings.
	{"md5", fips180, Imported{Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg=="}, "abc"},
	{"md5 hex", fips180, Imported{Algorithm: "md5", Hash: "900150983cd24fb0d6963f7d28e17f72"}, "abc"},
	{"sha1", fips180, Imported{Algorithm: "sha1", Hash: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="}, "abc"},
	{"sha256", fips180, Imported{Algorithm: "SHA256", Hash: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="}, "abc"},
	{"sha512 unpadded", fips180, Imported{Algorithm: "sha512", Hash: "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw"}, "abc"},
	{"sha1 rounds 1", fips180, Imported{Algorithm: "sha1", Hash: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", Rounds: 1}, "abc"},
	{"md5 format", fips180 + ", split by the format", Imported{Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Salt: "a", Format: "$salt$password"}, "bc"},
	{"sha256 format literal", fips180 + ", split by the format", Imported{Algorithm: "sha256", Hash: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", Format: "a$passwordc"}, "b"},
	{"sha1 binaryFormat", fips180 + ", split by the binaryFormat", Imported{Algorithm: "sha1", Hash: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", Salt: "Yg==", BinaryFormat: "$0x61$salt:base64$password:utf8"}, "c"},
	{"sha1 binaryFormat hex salt", fips180 + ", split by the binaryFormat", Imported{Algorithm: "sha1", Hash: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", Salt: "6263", BinaryFormat: "$0x61$salt:hex$password:utf8"}, ""},
	// No published vector uses utf16/utf32: these were computed with Python
	// (hashlib, str.encode("utf-16-le"/"utf-32-le")) from the CDCPDF example
	// $0x4769677961$salt:base64$0x5F$password:utf16$0x4769677961.
	{"sha1 Gigya binaryFormat example", "CDCPDF binaryFormat example, computed with Python hashlib", Imported{Algorithm: "sha1", Hash: "Z3b7OIQ0L4Jf5MN6vyEbcMp8xQk=", Salt: "c2FsdA==", BinaryFormat: "$0x4769677961$salt:base64$0x5F$password:utf16$0x4769677961"}, "pässword"},
	{"sha256 utf32", "computed with Python hashlib, utf-32-le", Imported{Algorithm: "sha256", Hash: "bAGvndiPB5FB1eiTlkRT9ZxbBecoe0zi/nV1DGVQ5fM=", BinaryFormat: "$password:utf32"}, "pässword"},

	// PBKDF2, Gigya form: key length = hash length.
	{"pbkdf2 c=1", rfc6070, Imported{Algorithm: "pbkdf2", Hash: b64hex("0c60c80f961f0e71f3a9b524af6012062fe037a6"), Salt: "c2FsdA==", Rounds: 1}, "password"},
	{"pbkdf2 c=4096", rfc6070, Imported{Algorithm: "pbkdf2", Hash: b64hex("4b007901b765489abead49d926f721d065a429c1"), Salt: "c2FsdA==", Rounds: 4096}, "password"},
	{"pbkdf2 dkLen 25", rfc6070, Imported{Algorithm: "pbkdf2", Hash: b64hex("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"),
		Salt: base64.StdEncoding.EncodeToString([]byte("saltSALTsaltSALTsaltSALTsaltSALTsalt")), Rounds: 4096}, "passwordPASSWORDpassword"},
	{"pbkdf2 NUL", rfc6070, Imported{Algorithm: "pbkdf2", Hash: b64hex("56fa6aa75548099dcc37d7f03425e0c3"), Salt: base64.StdEncoding.EncodeToString([]byte("sa\x00lt")), Rounds: 4096}, "pass\x00word"},
	{"pbkdf2_sha256 (Kratos digest)", kratos, Imported{Algorithm: "pbkdf2_sha256", Hash: "QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI=", Salt: "1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc=", Rounds: 100000}, "test"},
	{"pbkdf2_sha512 (Kratos digest)", kratos, Imported{Algorithm: "pbkdf2_sha512", Hash: "+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc=", Salt: "bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU=", Rounds: 100000}, "test"},

	// PBKDF2 compound strings.
	{"phc pbkdf2-sha1 i=2", phcPBKDF2, compound("$pbkdf2-sha1$i=2$c2FsdA$6mwBTcctb4zNHtkqzh1B8NjeiVc"), "password"},
	{"phc pbkdf2-sha1 long", phcPBKDF2, compound("$pbkdf2-sha1$i=4096$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$PS7sT+QchJuAyNg2YsDkSospGpZM8vBwOA"), "passwordPASSWORDpassword"},
	{"phc pbkdf2-sha256", phcPBKDF2, compound("$pbkdf2-sha256$i=6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"), "password"},
	{"passlib pbkdf2-sha256 6400", passlibDoc, compound("$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"), "password"},
	{"passlib pbkdf2-sha256 8000", passlibDoc, compound("$pbkdf2-sha256$8000$XAuBMIYQQogxRg$tRRlz8hYn63B9LYiCd6PRo6FMiunY9ozmMMI3srxeRE"), "password"},
	{"passlib pbkdf2-sha256 29000", passlibDoc, compound("$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk"), "toomanysecrets"},
	{"kratos pbkdf2-sha256", kratos, compound("$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"), "test"},
	{"kratos pbkdf2-sha512", kratos, compound("$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"), "test"},

	// Keycloak: the credential's shape (PasswordSecretData value/salt,
	// PasswordCredentialData hashIterations/algorithm) around Kratos'
	// published PBKDF2 digests, which Keycloak computes alike.
	{"keycloak pbkdf2-sha256 merged", kratos + " in Keycloak's credential shape", compound(`{"value":"QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI=","salt":"1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc=","hashIterations":100000,"algorithm":"pbkdf2-sha256"}`), "test"},
	{"keycloak pbkdf2-sha512 export", kratos + " in Keycloak's realm-export shape", compound(`{"type":"password","secretData":"{\"value\":\"+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc=\",\"salt\":\"bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU=\",\"additionalParameters\":{}}","credentialData":"{\"hashIterations\":100000,\"algorithm\":\"pbkdf2-sha512\",\"additionalParameters\":{}}"}`), "test"},
	{"keycloak pbkdf2 (sha1)", rfc6070 + " in Keycloak's credential shape", compound(`{"value":"SwB5AbdlSJq+rUnZJvch0GWkKcE=","salt":"c2FsdA==","hashIterations":4096,"algorithm":"pbkdf2"}`), "password"},
	{"keycloak argon2", "Kratos argon2i vector in Keycloak's argon2 credential shape", compound(`{"value":"NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c=","salt":"kk51rW/vxIVCYn+EG4kTSg==","hashIterations":3,"algorithm":"argon2","additionalParameters":{"type":["i"],"version":["1.3"],"memory":["65536"],"parallelism":["4"],"hashLength":["32"]}}`), "test"},
	{"keycloak spaced JSON", rfc6070 + " in Keycloak's credential shape", compound(`{ "value": "SwB5AbdlSJq+rUnZJvch0GWkKcE=", "salt": "c2FsdA==", "hashIterations": 4096, "algorithm": "pbkdf2" }`), "password"},
	{"keycloak bcrypt", openwall + " in the keycloak-bcrypt provider's shape", compound(`{"value":"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW","salt":"","hashIterations":-1,"algorithm":"bcrypt"}`), "U*U"},

	// Modular Crypt.
	{"bcrypt 2a", openwall, compound("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"), "U*U"},
	{"bcrypt 2b", openwall, compound("$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"), "\xff\xff\xa3"},
	{"bcrypt beyond 72 bytes", openwall, compound("$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"),
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored"},
	{"bcrypt 2y hashedPassword", openwall, Imported{Algorithm: "bcrypt", Hash: "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"}, "\xa3"},
	{"md5_crypt hashcat", hashcat, compound("$1$28772684$iEwNOgGugqO9.bIz5sk8k/"), "hashcat"},
	{"md5_crypt openssl", "openssl passwd -1 -salt OKgLCmVl a (noseyparker rules, np.pwhash.1)", compound("$1$OKgLCmVl$d02jECa4DXn/oXX0R.MoQ/"), "a"},
	{"kratos md5-crypt", kratos, compound("$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b."), "ory"},
	{"kratos md5-crypt no salt", kratos, compound("$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0"), "test"},
	{"sha256_crypt", drepper, compound("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"), "Hello world!"},
	{"sha256_crypt rounds", drepper, compound("$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"), "Hello world!"},
	{"sha256_crypt long", drepper, compound("$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1"), "a very much longer text to encrypt.  This one even stretches over morethan one line."},
	{"sha256_crypt short salt", drepper, compound("$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/"), "we have a short salt string but not a short password"},
	{"sha256_crypt min rounds", drepper, compound("$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"), "the minimum number is still observed"},
	{"sha512_crypt", drepper, compound("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"), "Hello world!"},
	{"sha512_crypt rounds", drepper, compound("$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."), "Hello world!"},
	{"sha512_crypt long", drepper, compound("$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"), "a very much longer text to encrypt.  This one even stretches over morethan one line."},
	{"sha512_crypt min rounds", drepper, compound("$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."), "the minimum number is still observed"},
	{"kratos sha256-crypt", kratos, compound("$sha256-crypt$rounds=535000$awpcR7lDlnK/S7WE$vHU7KkQwyjfGz6u4MUi7.lH9htK/l63HloTsX1ZMz.3"), "ory"},
	{"kratos sha512-crypt", kratos, compound("$sha512-crypt$rounds=656000$0baQbxBrfpKqvizk$Q9cYk1MeNAlECPgpG3jjfNI2DumLqd0yHbxzLdxiX6nsSD5i9n0awcbiCf8R5DzpIYxeBPznPcb1wtzlgUKtH0"), "ory"},
	{"phpass P", hashcat, compound("$P$984478476IagS59wHZvyQMArzfx58u."), "hashcat"},
	{"phpass H", hashcat + " ($P$ with phpBB's $H$)", compound("$H$984478476IagS59wHZvyQMArzfx58u."), "hashcat"},
	{"drupal", hashcat, compound("$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf"), "hashcat"},
	{"drupal algorithm", hashcat, Imported{Algorithm: "drupal", Hash: "$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf"}, "hashcat"},

	// Argon2 PHC.
	{"argon2i README", argonCLI, compound("$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"), "password"},
	{"argon2i test.c", argonCLI, compound("$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E"), "password"},
	{"argon2 algorithm", kratos, Imported{Algorithm: "argon2", Hash: "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"}, "test"},
	{"kratos argon2id", kratos, compound("$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4"), "test"},

	// scrypt.
	{"phc scrypt", phcScrypt, compound("$scrypt$ln=8,r=8,p=1$wlhLyXmP8b53bm1NKYVQqg$mTpvG8lzuuDk+DWz8HZIB6Vum6erDuUm0As5yU+VxWA"), "test"},
	{"phc scrypt p=16", phcScrypt, compound("$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI"), "password"},
	{"kratos scrypt", kratos, compound("$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="), "test"},

	// Kratos' digests and LDAP's salted SHA.
	{"kratos md5", kratos, compound("$md5$CY9rzUYh03PK3k6DJie09g=="), "test"},
	{"kratos md5 pf", kratos, compound("$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ=="), "test"},
	{"kratos sha1 pf", kratos, compound("$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="), "test"},
	{"kratos sha1 pf prefix", kratos, compound("$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso="), "test"},
	{"kratos sha256 pf", kratos, compound("$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY="), "test"},
	{"kratos sha512 pf", kratos, compound("$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw=="), "test"},
	{"kratos hmac-md5", kratos, compound("$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU="), "test"},
	{"kratos hmac-sha1", kratos, compound("$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU="), "test"},
	{"kratos hmac-sha224", kratos, compound("$hmac-sha224$YmUwYmYzM2EwNGRlNDE0YjQzNjBhNmIyOThmNmIyYzI4OWQyMzk3MDUwZDFjMzliYjVmMDMyOTQ=$MTIzNDU="), "test"},
	{"kratos hmac-sha256", kratos, compound("$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU="), "test"},
	{"kratos hmac-sha384", kratos, compound("$hmac-sha384$ZWEyMGM3NGE4Y2UzMTljNTdjZTlhZGQyYTZjNDE0MGQ4YjMwYWIwOWM4OTRiNWQ4MmZjODlhMzBhMmQzNGE5NmQ0NDY1NWRhYjQ2ZjhiYjBkNTRmYjk5YWZkZTA1MGY1$MTIzNDU="), "test"},
	{"kratos hmac-sha512", kratos, compound("$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNDU="), "test"},
	{"kratos firebase scrypt", kratos, compound("$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="), "8x4WjoDbSxJZdR"},
	{"ssha", kratos, compound("{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"), "test123"},
	{"ssha256", kratos, compound("{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK"), "test123"},
	{"ssha512", kratos, compound("{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M="), "test123"},
}

func TestLegacyVectors(t *testing.T) {
	h := newHasher(t, fast, 0)
	for _, v := range legacyVectors {
		t.Run(v.name, func(t *testing.T) {
			enc, err := Encode(v.in)
			if err != nil {
				t.Fatalf("Encode: %v (vector from %s)", err, v.source)
			}
			if v.in.Compound != "" && !strings.HasPrefix(v.in.Compound, "{") && enc != v.in.Compound {
				t.Errorf("Encode(%q) = %q, want it stored as it is", v.in.Compound, enc)
			}
			// custos' export gives the stored string back as a compound.
			if again, err := Encode(compound(enc)); again != enc || err != nil {
				t.Errorf("Encode(stored) = %q, %v; want it again", again, err)
			}
			if ok, rehash, err := h.Verify(t.Context(), v.password, enc); !ok || !rehash || err != nil {
				t.Fatalf("Verify(%q, %q) = %v, %v, %v; want true, true, nil (vector from %s)", v.password, enc, ok, rehash, err, v.source)
			}
			if ok, rehash, err := h.Verify(t.Context(), "x"+v.password, enc); ok || rehash || err != nil {
				t.Fatalf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

// TestLegacyWrongHash flips the last digest byte of vectors stored in custos'
// own forms: no match.
func TestLegacyWrongHash(t *testing.T) {
	h := newHasher(t, fast, 0)
	for _, in := range []Imported{
		{Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cw=="},
		{Algorithm: "pbkdf2", Hash: b64hex("0c60c80f961f0e71f3a9b524af6012062fe037a7"), Salt: "c2FsdA==", Rounds: 1},
	} {
		enc, err := Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := h.Verify(t.Context(), "abc", enc); ok || err != nil {
			t.Fatalf("Verify(%+v) = %v, %v; want false, nil", in, ok, err)
		}
	}
}

func TestEncodeUnsupported(t *testing.T) {
	tests := []struct {
		in   Imported
		name string // in the error
	}{
		{Imported{Algorithm: "sha1_hashbytes", Hash: "x"}, "sha1_hashbytes"},
		{Imported{Algorithm: "sha512Hexa", Hash: "x"}, "sha512hexa"},
		{Imported{Algorithm: "md5_double_salted", Hash: "x"}, "md5_double_salted"},
		{Imported{Algorithm: "symphony2", Hash: "x"}, "symphony2"},
		{Imported{Algorithm: "sap_abap", Hash: "x"}, "sap_abap"},
		{Imported{Algorithm: "whirlpool", Hash: "x"}, "whirlpool"},
		{compound("$argon2d$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$cZn5d+rFh+ZfuRhm2iGUGgcrW5YLeM6q7L3vBsdmFA0"), "argon2d"},
		{compound("$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"), "bcrypt $2x$"},
		{compound("U$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf"), "drupal U$"},
		{compound("$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU="), "hmac-md4"},
		{compound("$hmac-invalid$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU="), "hmac-invalid"},
		{compound("$pbkdf2-sha384$i=1000$c2FsdA$" + strings.Repeat("A", 64)), "pbkdf2_sha384"},
		{compound(`{"value":"x","salt":"","hashIterations":1,"algorithm":"md5"}`), "keycloak md5"},
		{Imported{Algorithm: "sha1", Hash: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", Rounds: 2}, "sha1 with rounds > 1"},
		{Imported{Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Salt: "c2FsdA=="}, "md5 with a salt but no format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := Encode(tt.in)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tt.name) {
				t.Fatalf("Encode = %q, %v; want ErrUnsupported naming %q", enc, err, tt.name)
			}
		})
	}
}

func TestEncodeMalformed(t *testing.T) {
	long := strings.Repeat("A", 200)
	tests := map[string]Imported{
		"nothing":                  {},
		"compound and algorithm":   {Compound: "$1$28772684$iEwNOgGugqO9.bIz5sk8k/", Algorithm: "md5_crypt"},
		"unknown compound":         compound("plain"),
		"md5 short hash":           {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/"},
		"md5 bad base64":           {Algorithm: "md5", Hash: "!!!!!!!!!!!!!!!!!!!!!!!!"},
		"sha512 hash too long":     {Algorithm: "sha512", Hash: long},
		"negative rounds":          {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Rounds: -1},
		"format without password":  {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$salt", Salt: "a"},
		"format without salt":      {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$password", Salt: "a"},
		"format salt missing":      {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$salt$password"},
		"format too long":          {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$password" + strings.Repeat("x", 300)},
		"salt too long":            {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$salt$password", Salt: strings.Repeat("s", 129)},
		"both formats":             {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Format: "$password", BinaryFormat: "$password:utf8"},
		"binaryFormat no $":        {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "password:utf8"},
		"binaryFormat bad hex":     {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$0xZZ$password:utf8"},
		"binaryFormat odd hex":     {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$0x616$password:utf8"},
		"binaryFormat token":       {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$password:utf7"},
		"binaryFormat pw hex":      {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$password:hex"},
		"binaryFormat salt b64":    {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$salt:base64$password:utf8", Salt: "!!"},
		"binaryFormat salt big":    {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", BinaryFormat: "$salt:hex$password:utf8", Salt: strings.Repeat("ab", 129)},
		"pbkdf2 no rounds":         {Algorithm: "pbkdf2", Hash: b64hex("0c60c80f961f0e71f3a9b524af6012062fe037a6"), Salt: "c2FsdA=="},
		"pbkdf2 rounds too many":   {Algorithm: "pbkdf2", Hash: b64hex("eefe3d61cd4da4e4e9945b3d6ba2158c2634e984"), Salt: "c2FsdA==", Rounds: 16777216},
		"pbkdf2 key too short":     {Algorithm: "pbkdf2_sha256", Hash: "AAAAAAAAAAAAAAAAAAAA", Salt: "c2FsdA==", Rounds: 1},
		"pbkdf2 key too long":      {Algorithm: "pbkdf2_sha512", Hash: base64.StdEncoding.EncodeToString(make([]byte, 65)), Salt: "c2FsdA==", Rounds: 1},
		"pbkdf2 salt too long":     {Algorithm: "pbkdf2_sha512", Hash: base64.StdEncoding.EncodeToString(make([]byte, 32)), Salt: base64.StdEncoding.EncodeToString(make([]byte, 129)), Rounds: 1},
		"pbkdf2 sha512 work":       {Algorithm: "pbkdf2_sha512", Hash: base64.StdEncoding.EncodeToString(make([]byte, 32)), Salt: "c2FsdA==", Rounds: 1_000_001},
		"pbkdf2 format":            {Algorithm: "pbkdf2", Hash: b64hex("0c60c80f961f0e71f3a9b524af6012062fe037a6"), Salt: "c2FsdA==", Rounds: 1, Format: "$password"},
		"phc pbkdf2 2^24":          compound("$pbkdf2-sha1$i=16777216$c2FsdA$7v49Yc1NpOTplFs9a6IVjCY06YQ"),
		"phc pbkdf2 l mismatch":    compound("$pbkdf2-sha256$i=6400,l=31$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"),
		"phc pbkdf2 i=0":           compound("$pbkdf2-sha256$i=0$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"),
		"phc pbkdf2 it=":           compound("$pbkdf2-sha256$it=6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"),
		"phc pbkdf2 short":         compound("$pbkdf2-sha256$i=6400"),
		"passlib pbkdf2 plus":      compound("$pbkdf2-sha256$6400$0Zrz+itFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"),
		"bcrypt cost 17":           compound("$2a$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
		"bcrypt with salt":         {Algorithm: "bcrypt", Hash: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", Salt: "x"},
		"bcrypt bad":               {Algorithm: "bcrypt", Hash: "kAFQmDzST7DWlj99KOF/cg=="},
		"bcrypt names md5_crypt":   {Algorithm: "bcrypt", Hash: "$1$28772684$iEwNOgGugqO9.bIz5sk8k/"},
		"drupal names remote":      {Algorithm: "drupal", Hash: remotePrefix + encodeJSON(remoteSpec{URL: "https://v.example/", Hash: "x"})},
		"argon2i names argon2id":   {Algorithm: "argon2i", Hash: "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4"},
		"md5_crypt long salt":      compound("$1$123456789$iEwNOgGugqO9.bIz5sk8k/"),
		"md5_crypt short":          compound("$1$28772684$iEwNOgGugqO9.bIz5sk8k"),
		"phpass 2^30":              compound("$P$S84478476IagS59wHZvyQMArzfx58u."),
		"phpass 2^6":               compound("$P$484478476IagS59wHZvyQMArzfx58u."),
		"phpass short":             compound("$P$984478476IagS59wHZvyQMArzfx58u"),
		"sha256_crypt 1.2M rounds": compound("$5$rounds=1200000$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
		"sha256_crypt 999 rounds":  compound("$5$rounds=999$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
		"sha512_crypt short":       compound("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz"),
		"sha512_crypt long salt":   compound("$6$saltstringsaltstr$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
		"kratos sha512-crypt $$":   compound("$sha512-crypt$$"),
		"hmac no key":              compound("$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk="),
		"hmac empty key":           compound("$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$"),
		"hmac not hex":             compound("$hmac-md5$MTIzNDU=$MTIzNDU="),
		"firescrypt short":         compound("$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSo$Bw==$YE0d"),
		"firescrypt ln=20":         compound("$firescrypt$ln=20,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="),
		"firescrypt fields":        compound("$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw=="),
		"drupal bad char":          compound("$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzL!"),
		"argon2i v=16":             compound("$argon2i$v=16$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"),
		"argon2i no version":       compound("$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ"),
		"argon2i keyid":            compound("$argon2i$v=19$m=65536,t=2,p=4,keyid=ABCD$c29tZXNhbHQ$IMit9qkFULCMA/ViizL57cnTLOa5DiVM9eMwpAvPwr4"),
		"argon2id huge m":          compound("$argon2id$v=19$m=4194305,t=1,p=1$c29tZXNhbHQ$IMit9qkFULCMA/ViizL57cnTLOa5DiVM9eMwpAvPwr4"),
		"scrypt ln=0":              compound("$scrypt$ln=0,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"),
		"scrypt ln=20 r=8":         compound("$scrypt$ln=20,r=8,p=1$U29kaXVtQ2hsb3JpZGU$IQHLm2pRGq6t274Jz3D4gexWjVdKL/1Nq+XumCCtqkeOVv2PS6XQn/ocbZJ8QPTDNzBASeipUvvL9Fxvp3pBpA"),
		"scrypt N not power":       compound("$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="),
		"scrypt p=0":               compound("$scrypt$ln=16,r=8,p=0$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"),
		"scrypt r missing":         compound("$scrypt$ln=16,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"),
		"scrypt r=A":               compound("$scrypt$ln=10,r=A,p=1$wvif8/4fg1Cq9V7L2dv73w$bJcLia1lyfQ1X2x0xflehwVXPzWIUQWWdnlGwfVzBeQ"),
		"scrypt bad salt":          compound("$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="),
		"kratos sha1 no pf":        compound("$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="),
		"kratos sha1 3 parts":      compound("$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="),
		"kratos sha1 raw salt":     compound("$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$5opmkgz03r$2qU2SGWP8viTM1md3FiI3+rjWXQ="),
		"kratos md5 empty":         compound("$md5$$"),
		"kratos md5 pf empty":      compound("$md5$pf=$$"),
		"ssha short":               compound("{SSHA}tooshort"),
		"ssha unknown":             compound("{SSHAnotExistent}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M="),
		"keycloak bad json":        compound(`{"value":`),
		"keycloak no algorithm":    compound(`{"value":"SwB5AbdlSJq+rUnZJvch0GWkKcE=","salt":"c2FsdA==","hashIterations":4096}`),
		"keycloak no iterations":   compound(`{"value":"SwB5AbdlSJq+rUnZJvch0GWkKcE=","salt":"c2FsdA==","algorithm":"pbkdf2"}`),
		"keycloak argon2 no type":  compound(`{"value":"NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c=","salt":"kk51rW/vxIVCYn+EG4kTSg==","hashIterations":3,"algorithm":"argon2","additionalParameters":{"version":["1.3"],"memory":["65536"],"parallelism":["4"]}}`),
		"custom no URL":            {Algorithm: "custom", Hash: "abc"},
		"custom http":              {Algorithm: "custom", Hash: "abc", URL: "http://verifier.example/check"},
		"custom ftp":               {Algorithm: "custom", Hash: "abc", URL: "ftp://127.0.0.1/check"},
		"custom user":              {Algorithm: "custom", Hash: "abc", URL: "https://u:p@verifier.example/check"},
		"custom relative":          {Algorithm: "custom", Hash: "abc", URL: "/check"},
		"custom no hash":           {Algorithm: "custom", URL: "https://verifier.example/check"},
		"custom URL too long":      {Algorithm: "custom", Hash: "abc", URL: "https://verifier.example/" + strings.Repeat("a", 2048)},
		"salt not UTF-8":           {Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg==", Salt: "\xff", Format: "$salt$password"},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			enc, err := Encode(in)
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Encode = %q, %v; want ErrMalformedHash", enc, err)
			}
		})
	}
}

// TestVerifyLegacyMalformed: a stored string that Encode would refuse makes
// Verify fail with ErrMalformedHash, the unsupported ones too.
func TestVerifyLegacyMalformed(t *testing.T) {
	h := newHasher(t, fast, 0)
	for _, enc := range []string{
		"$argon2d$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$cZn5d+rFh+ZfuRhm2iGUGgcrW5YLeM6q7L3vBsdmFA0",
		"$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=",
		digestPrefix + "!!",
		digestPrefix + encodeJSON(map[string]string{"algorithm": "md5", "hash": "kAFQmDzST7DWlj99KOF/cg==", "extra": "x"}),
		digestPrefix + encodeJSON(digestSpec{Algorithm: "md4", Hash: "kAFQmDzST7DWlj99KOF/cg=="}),
		remotePrefix + encodeJSON(remoteSpec{URL: "http://verifier.example/", Hash: "x"}),
		"$pbkdf2-sha1$i=16777216$c2FsdA$7v49Yc1NpOTplFs9a6IVjCY06YQ",
		"U$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf",
		strings.Repeat("$", maxLegacyLen+1),
	} {
		if ok, rehash, err := h.Verify(t.Context(), "password", enc); ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%.40q) = %v, %v, %v; want ErrMalformedHash", enc, ok, rehash, err)
		}
	}
}

// TestEncodeLargest: settings at every bound still make a stored string
// that Verify reads.
func TestEncodeLargest(t *testing.T) {
	h := newHasher(t, fast, 0)
	h.SetHTTPClient(&http.Client{Transport: failingTransport{}})
	for _, in := range []Imported{
		{Algorithm: "custom", URL: "https://v.example/?q=" + strings.Repeat("<&>", (maxRemoteURL-21)/3), Hash: strings.Repeat("\"", maxRemoteHash), Salt: strings.Repeat("\\", maxSaltText)},
		{Algorithm: "sha512", Hash: strings.Repeat("0", 128), Salt: strings.Repeat("\"", maxLegacySalt), Format: "$salt" + strings.Repeat("$password", (maxTemplate-5)/9)},
	} {
		enc, err := Encode(in)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if _, _, err := h.Verify(t.Context(), "pw", enc); err != nil && !errors.Is(err, errRemote) {
			t.Fatalf("Verify: %v", err)
		}
	}
}

// TestEncodeGigyaExport: the PBKDF2 export shown in the reference (auth0
// community, "How to import password hashes from Gigya to Auth0") encodes;
// its password is not published.
func TestEncodeGigyaExport(t *testing.T) {
	enc, err := Encode(Imported{Algorithm: "pbkdf2_sha512", Hash: "89v2METlSkX2LKWSQGHCdE4iUkE=", Salt: "YWJjc29tZXRoaW5n==", Rounds: 10000})
	if want := "$pbkdf2-sha512$i=10000,l=20$YWJjc29tZXRoaW5n$89v2METlSkX2LKWSQGHCdE4iUkE"; enc != want || err != nil {
		t.Fatalf("Encode = %q, %v; want %q", enc, err, want)
	}
}

// TestEncodeNative: custos' own argon2id hashes import as they are.
func TestEncodeNative(t *testing.T) {
	h := newHasher(t, fast, 0)
	enc, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Encode(compound(enc)); got != enc || err != nil {
		t.Fatalf("Encode(argon2id) = %q, %v", got, err)
	}
	if ok, rehash, err := h.Verify(t.Context(), "pw", enc); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestLegacyTooLongPassword(t *testing.T) {
	h := newHasher(t, fast, 0)
	enc, err := Encode(Imported{Algorithm: "md5", Hash: "kAFQmDzST7DWlj99KOF/cg=="})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(t.Context(), strings.Repeat("x", MaxLength+1), enc); ok || err != nil {
		t.Fatalf("Verify(MaxLength+1) = %v, %v; want false, nil", ok, err)
	}
}

// TestFormatOnePass: a password holding "$salt" is not substituted again.
func TestFormatOnePass(t *testing.T) {
	h := newHasher(t, fast, 0)
	// md5("x$salty") with the salt "y" after the password.
	enc, err := Encode(Imported{Algorithm: "md5", Hash: md5b64("x$salty"), Salt: "y", Format: "$password$salt"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(t.Context(), "x$salt", enc); !ok || err != nil {
		t.Fatalf("Verify = %v, %v; want true", ok, err)
	}
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzz target")
}

// FuzzEncodeVerify: whatever is imported, Encode and Verify do not panic,
// errors are ErrUnsupported or ErrMalformedHash, and what Encode accepts
// Verify parses. Tight limits keep each input cheap; parsing is the same.
func FuzzEncodeVerify(f *testing.F) {
	h, err := NewHasher(Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}, 0)
	if err != nil {
		f.Fatal(err)
	}
	h.lim = limits{maxMemory: 64, maxTime: 2, maxBcryptCost: 4, maxPBKDF2Work: 64, maxScryptMem: 64, maxPhpassLog2: 8}
	h.SetHTTPClient(&http.Client{Transport: failingTransport{}})
	for _, v := range legacyVectors {
		f.Add(v.in.Compound, v.in.Hash, v.in.Algorithm, v.in.Salt, v.in.Rounds, v.in.Format, v.in.BinaryFormat, v.in.URL)
	}
	f.Add("", "x", "custom", "s", 0, "", "", "http://127.0.0.1:1/")
	f.Add("", "kAFQmDzST7DWlj99KOF/cg==", "md5", "", 0, "$password$salt$password", "", "")
	f.Fuzz(func(t *testing.T, compound, hash, alg, salt string, rounds int, format, binaryFormat, url string) {
		in := Imported{Compound: compound, Hash: hash, Algorithm: alg, Salt: salt, Rounds: rounds,
			Format: format, BinaryFormat: binaryFormat, URL: url}
		enc, err := Encode(in)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Encode error %v wraps neither ErrUnsupported nor ErrMalformedHash", err)
			}
			return
		}
		ok, rehash, err := h.Verify(context.Background(), "password", enc)
		if err != nil && (ok || rehash) || ok != rehash && !strings.HasPrefix(enc, "$argon2id$") {
			t.Fatalf("Verify(%q) = %v, %v, %v", enc, ok, rehash, err)
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) && !errors.Is(err, errRemote) {
			t.Fatalf("Verify(%q) error %v", enc, err)
		}
	})
}

// BenchmarkLegacyWorst verifies hashes at the bounds of legacy.go: each
// should take well under a second (go test -bench LegacyWorst -benchtime 1x).
func BenchmarkLegacyWorst(b *testing.B) {
	h := newHasher(b, fast, 0)
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	key := func(n int) string { return base64.RawStdEncoding.EncodeToString(make([]byte, n)) }
	for name, enc := range map[string]string{
		"pbkdf2-sha1 1M":         "$pbkdf2-sha1$i=1000000$" + salt + "$" + key(20),
		"pbkdf2-sha256 1M":       "$pbkdf2-sha256$i=1000000$" + salt + "$" + key(32),
		"pbkdf2-sha512 1M":       "$pbkdf2-sha512$i=1000000$" + salt + "$" + key(64),
		"scrypt N=2^16 r=8 p=2":  "$scrypt$ln=16,r=8,p=2$" + salt + "$" + key(32),
		"phpass 2^20":            "$P$I" + "12345678" + strings.Repeat(".", 22),
		"drupal 2^20":            "$S$I" + "12345678" + strings.Repeat(".", 43),
		"sha256_crypt 1M":        "$5$rounds=1000000$12345678$" + strings.Repeat(".", 43),
		"sha512_crypt 1M":        "$6$rounds=1000000$12345678$" + strings.Repeat(".", 86),
		"argon2id at the bounds": "$argon2id$v=19$m=65536,t=3,p=1$" + salt + "$" + key(32),
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := h.Verify(b.Context(), strings.Repeat("p", 64), enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package errcode

// The codes of the catalog, by family. Each comment gives the errorMessage.
const (
	// Success and pending states.

	// OK is 0 "Success."
	OK Code = 0
	// DataPending is 100001 "Data pending".
	DataPending Code = 100001
	// OperationCanceled is 200001 "Operation canceled".
	OperationCanceled Code = 200001
	// PermissionNotGranted is 200003 "Permission not granted".
	PermissionNotGranted Code = 200003
	// OKWithErrors is 200008 "OK with errors".
	OKWithErrors Code = 200008
	// AccountsLinked is 200009 "Accounts linked".
	AccountsLinked Code = 200009
	// OKWithErrorLoginIdentifierExists is 200010 "OK with error login identifier exists".
	OKWithErrorLoginIdentifierExists Code = 200010
	// AccountPendingRegistration is 206001 "Account pending registration".
	AccountPendingRegistration Code = 206001
	// AccountPendingVerification is 206002 "Account pending verification".
	AccountPendingVerification Code = 206002
	// AccountMissingLoginID is 206003 "Account missing loginID".
	AccountMissingLoginID Code = 206003

	// Redirection.

	// InvalidDataCenter is 301001 "Invalid data center".
	InvalidDataCenter Code = 301001

	// Request errors (400xxx).

	// InvalidRequestFormat is 400001 "Invalid request format".
	InvalidRequestFormat Code = 400001
	// MissingRequiredParameter is 400002 "Missing required parameter".
	MissingRequiredParameter Code = 400002
	// UniqueIdentifierExists is 400003 "Unique identifier exists".
	UniqueIdentifierExists Code = 400003
	// InvalidParameterFormat is 400004 "Invalid parameter format".
	InvalidParameterFormat Code = 400004
	// InvalidParameterValue is 400006 "Invalid parameter value".
	InvalidParameterValue Code = 400006
	// DuplicateValue is 400007 "Duplicate value".
	DuplicateValue Code = 400007
	// InvalidAuthenticationHeader is 400008 "Invalid authentication header".
	InvalidAuthenticationHeader Code = 400008
	// ValidationError is 400009 "Validation error".
	ValidationError Code = 400009
	// InvalidRedirectURI is 400011 "Invalid redirect URI".
	InvalidRedirectURI Code = 400011
	// InvalidResponseType is 400012 "Invalid response type".
	InvalidResponseType Code = 400012
	// UnsupportedGrantType is 400013 "Unsupported grant type".
	UnsupportedGrantType Code = 400013
	// InvalidGrant is 400014 "Invalid grant".
	InvalidGrant Code = 400014
	// CodeExpired is 400015 "Code expired".
	CodeExpired Code = 400015
	// SchemaValidationFailed is 400020 "Schema validation failed".
	SchemaValidationFailed Code = 400020
	// CAPTCHAVerificationFailed is 400021 "CAPTCHA verification failed".
	CAPTCHAVerificationFailed Code = 400021
	// UniqueIndexValidation is 400022 "Unique index validation".
	UniqueIndexValidation Code = 400022
	// InvalidTypeValidation is 400023 "Invalid type validation".
	InvalidTypeValidation Code = 400023
	// DynamicFieldsValidation is 400024 "Dynamic fields validation".
	DynamicFieldsValidation Code = 400024
	// WriteAccessValidation is 400025 "Write access validation".
	WriteAccessValidation Code = 400025
	// InvalidFormatValidation is 400026 "Invalid format validation".
	InvalidFormatValidation Code = 400026
	// RequiredValueValidation is 400027 "Required value validation".
	RequiredValueValidation Code = 400027
	// EmailNotVerified is 400028 "Email not verified".
	EmailNotVerified Code = 400028
	// SchemaConflict is 400029 "Schema conflict".
	SchemaConflict Code = 400029
	// OperationNotAllowed is 400030 "Operation not allowed".
	OperationNotAllowed Code = 400030
	// SecurityVerificationFailed is 400050 "Security verification failed".
	SecurityVerificationFailed Code = 400050
	// MissingRequiredProviderParameter is 400060 "Missing required provider parameter".
	MissingRequiredProviderParameter Code = 400060
	// MissingRequiredRecipientsParameter is 400070 "Missing required recipients parameter".
	MissingRequiredRecipientsParameter Code = 400070
	// MissingRequiredBodyParameter is 400080 "Missing required body parameter".
	MissingRequiredBodyParameter Code = 400080
	// MissingRequiredSubjectParameter is 400090 "Missing required subject parameter".
	MissingRequiredSubjectParameter Code = 400090
	// MissingAPIKey is 400092 "Missing required ApiKey parameter".
	MissingAPIKey Code = 400092
	// InvalidAPIKey is 400093 "Invalid ApiKey parameter".
	InvalidAPIKey Code = 400093
	// MissingRequiredUIDParameter is 400094 "Missing required uid parameter".
	MissingRequiredUIDParameter Code = 400094
	// InvalidUIDParameter is 400095 "Invalid uid parameter".
	InvalidUIDParameter Code = 400095
	// NotSupported is 400096 "Not supported".
	NotSupported Code = 400096
	// MissingRequiredTimestampParameter is 400097 "Missing required timestamp parameter".
	MissingRequiredTimestampParameter Code = 400097
	// InvalidTimestampParameter is 400098 "Invalid timestamp parameter".
	InvalidTimestampParameter Code = 400098
	// InvalidProvider is 400099 "Invalid provider".
	InvalidProvider Code = 400099
	// NoProviders is 400100 "No providers".
	NoProviders Code = 400100
	// PopupBlocked is 400101 "Popup blocked".
	PopupBlocked Code = 400101
	// InvalidEventHandler is 400102 "Invalid event handler".
	InvalidEventHandler Code = 400102
	// InvalidContainerID is 400103 "Invalid containerID".
	InvalidContainerID Code = 400103
	// NotConnected is 400106 "Not connected".
	NotConnected Code = 400106
	// InvalidSiteDomain is 400120 "Invalid site domain", the client error; see InvalidSiteDomainServer.
	InvalidSiteDomain Code = 400120
	// ProviderConfigurationError is 400122 "Provider configuration error".
	ProviderConfigurationError Code = 400122
	// LimitReached is 400124 "Limit reached".
	LimitReached Code = 400124
	// CommentRateLimitExceeded is 400125 "Unable to post comment: You've exceeded the rate limit".
	CommentRateLimitExceeded Code = 400125
	// InvalidAction is 400126 "Invalid action".
	InvalidAction Code = 400126
	// InsufficientPointsToRedeem is 400127 "Insufficient points to redeem".
	InsufficientPointsToRedeem Code = 400127

	// Login and policy errors (401xxx).

	// InvalidPolicyConfiguration is 401000 "Invalid policy configuration".
	InvalidPolicyConfiguration Code = 401000
	// MediaItemsNotSupported is 401001 "Media items not supported".
	MediaItemsNotSupported Code = 401001
	// SuspectedSpam is 401010 "Suspected spam".
	SuspectedSpam Code = 401010
	// LoginFailedCaptchaRequired is 401020 "Login Failed Captcha Required".
	LoginFailedCaptchaRequired Code = 401020
	// LoginFailedWrongCaptcha is 401021 "Login Failed Wrong Captcha".
	LoginFailedWrongCaptcha Code = 401021
	// OldPasswordUsed is 401030 "Old password used".
	OldPasswordUsed Code = 401030

	// Authorization errors (403xxx).

	// Forbidden is 403000 "Forbidden".
	Forbidden Code = 403000
	// InvalidSessionToken is 403001 "Invalid session token".
	InvalidSessionToken Code = 403001
	// RequestExpired is 403002: the request's timestamp differs from the server time by more than 120 seconds.
	RequestExpired Code = 403002
	// InvalidRequestSignature is 403003 "Invalid request signature".
	InvalidRequestSignature Code = 403003
	// DuplicateNonce is 403004 "Duplicate nonce".
	DuplicateNonce Code = 403004
	// UnauthorizedUser is 403005 "Unauthorized user".
	UnauthorizedUser Code = 403005
	// SecretSentOverHTTP is 403006 "Secret Sent Over Http".
	SecretSentOverHTTP Code = 403006
	// PermissionDenied is 403007 "Permission denied".
	PermissionDenied Code = 403007
	// InvalidOpenIDURL is 403008 "Invalid OpenID Url".
	InvalidOpenIDURL Code = 403008
	// ProviderSessionExpired is 403009 "Provider session expired".
	ProviderSessionExpired Code = 403009
	// InvalidSecret is 403010 "Invalid Secret".
	InvalidSecret Code = 403010
	// SessionHasExpired is 403011 "Session has expired".
	SessionHasExpired Code = 403011
	// NoValidSession is 403012 "No valid session", the client error; see NoValidSessionServer.
	NoValidSession Code = 403012
	// MissingRequestReferrer is 403015 "Missing request referrer".
	MissingRequestReferrer Code = 403015
	// UnexpectedProviderUser is 403017 "Unexpected provider user".
	UnexpectedProviderUser Code = 403017
	// PermissionNotRequested is 403022 "Permission not requested".
	PermissionNotRequested Code = 403022
	// NoUserPermission is 403023 "No user permission".
	NoUserPermission Code = 403023
	// ProviderLimitReached is 403024 "Provider limit reached".
	ProviderLimitReached Code = 403024
	// InvalidToken is 403025 "Invalid token".
	InvalidToken Code = 403025
	// UnauthorizedAccessError is 403026 "Unauthorized access error".
	UnauthorizedAccessError Code = 403026
	// SessionExpiredRetry is 403030 "Session expired retry".
	SessionExpiredRetry Code = 403030
	// ApprovedByModerator is 403031 "Approved by moderator".
	ApprovedByModerator Code = 403031
	// NoUserCookie is 403035 "No user cookie".
	NoUserCookie Code = 403035
	// UnauthorizedPartner is 403036 "Unauthorized partner".
	UnauthorizedPartner Code = 403036
	// PostDenied is 403037 "Post denied".
	PostDenied Code = 403037
	// NoLoginTicket is 403040 "No login ticket".
	NoLoginTicket Code = 403040
	// AccountDisabled is 403041 "Account disabled".
	AccountDisabled Code = 403041
	// InvalidLoginID is 403042 "Invalid loginID".
	InvalidLoginID Code = 403042
	// LoginIdentifierExists is 403043 "Login identifier exists".
	LoginIdentifierExists Code = 403043
	// UnderageUser is 403044 "Underage user".
	UnderageUser Code = 403044
	// InvalidSiteConfigurationError is 403045 "Invalid site configuration error".
	InvalidSiteConfigurationError Code = 403045
	// DefaultApplicationConfigurationError is 403046 "Default application configuration error".
	DefaultApplicationConfigurationError Code = 403046
	// NoUserWithUsernameOrEmail is 403047 "There is no user with that username or email".
	NoUserWithUsernameOrEmail Code = 403047
	// APIRateLimitExceeded is 403048 "API Rate Limit Exceeded".
	APIRateLimitExceeded Code = 403048
	// PendingPasswordChange is 403100 "Pending password change".
	PendingPasswordChange Code = 403100
	// AccountPendingTFAVerification is 403101 "Account Pending TFA Verification".
	AccountPendingTFAVerification Code = 403101
	// AccountPendingTFARegistration is 403102 "Account Pending TFA Registration".
	AccountPendingTFARegistration Code = 403102
	// AccountPendingRecentLogin is 403110 "Account Pending Recent Login".
	AccountPendingRecentLogin Code = 403110
	// AccountTemporarilyLockedOut is 403120 "Account Temporarily Locked Out".
	AccountTemporarilyLockedOut Code = 403120
	// RedundantOperation is 403200 "Redundant operation".
	RedundantOperation Code = 403200
	// InvalidApplicationID is 403201 "Invalid application ID".
	InvalidApplicationID Code = 403201

	// Not found (404xxx).

	// NotFound is 404000 "Not found".
	NotFound Code = 404000
	// FriendNotFound is 404001 "Friend not found".
	FriendNotFound Code = 404001
	// CategoryNotFound is 404002 "Category not found".
	CategoryNotFound Code = 404002
	// UIDNotFound is 404003 "UID not found".
	UIDNotFound Code = 404003
	// InvalidURL is 404004 "Invalid URL".
	InvalidURL Code = 404004

	// Method, content type, conflict and gone (405xxx-410xxx).

	// InvalidAPIMethodClient is 405001 "Invalid API method", internal to the Gigya JavaScript API; see InvalidAPIMethod.
	InvalidAPIMethodClient Code = 405001
	// UnsupportedContentType is 406001 "Unsupported content type", a custos code: the REST dialect accepts only JSON bodies.
	UnsupportedContentType Code = 406001
	// IdentityExists is 409001 "Identity exists".
	IdentityExists Code = 409001
	// MissingUserPhoto is 409010 "Missing user photo".
	MissingUserPhoto Code = 409010
	// CounterNotRegistered is 409011 "Counter not registered".
	CounterNotRegistered Code = 409011
	// InvalidGMIDTicket is 409012 "Invalid gmid ticket".
	InvalidGMIDTicket Code = 409012
	// SAMLMappedAttributeNotFound is 409013 "SAML mapped attribute not found".
	SAMLMappedAttributeNotFound Code = 409013
	// SAMLCertificateNotFound is 409014 "SAML certificate not found".
	SAMLCertificateNotFound Code = 409014
	// ConcurrentUpdatesNotAllowed is 409030 "Concurrent updates not allowed".
	ConcurrentUpdatesNotAllowed Code = 409030
	// Gone is 410000 "Gone".
	Gone Code = 410000

	// Payload too large (413xxx).

	// RequestEntityTooLarge is 413001 "Request entity too large".
	RequestEntityTooLarge Code = 413001
	// CommentTextTooLarge is 413002 "Comment text too large".
	CommentTextTooLarge Code = 413002
	// ObjectTooLarge is 413003 "Object too large".
	ObjectTooLarge Code = 413003
	// ProfilePhotoTooLarge is 413004 "Profile photo too large".
	ProfilePhotoTooLarge Code = 413004

	// Server errors (5xxxxx).

	// GeneralSecurityWarning is 500000 "General security warning".
	GeneralSecurityWarning Code = 500000
	// GeneralServerError is 500001 "General Server Error".
	GeneralServerError Code = 500001
	// ServerLoginError is 500002 "Server login error".
	ServerLoginError Code = 500002
	// DefaultApplicationConfigurationServer is 500003 "Default application configuration", the server error; see DefaultApplicationConfigurationError.
	DefaultApplicationConfigurationServer Code = 500003
	// SessionMigrationError is 500014 "Session migration error".
	SessionMigrationError Code = 500014
	// InvalidSiteID is 500020 "Invalid site ID".
	InvalidSiteID Code = 500020
	// ProviderError is 500023 "Provider error".
	ProviderError Code = 500023
	// NoValidSessionServer is 500024 "No valid session", the server error; see NoValidSession.
	NoValidSessionServer Code = 500024
	// NetworkError is 500026 "Network error".
	NetworkError Code = 500026
	// DatabaseError is 500028 "Database error".
	DatabaseError Code = 500028
	// InvalidSiteDomainServer is 500030 "Invalid site domain", the server error; see InvalidSiteDomain.
	InvalidSiteDomainServer Code = 500030
	// NoProviderApplication is 500031 "No provider application".
	NoProviderApplication Code = 500031
	// LoadFailed is 500032 "Load failed".
	LoadFailed Code = 500032
	// InvalidEnvironmentConfig is 500033 "Invalid environment config".
	InvalidEnvironmentConfig Code = 500033
	// BackendOperationError is 500034 "Error during backend operation".
	BackendOperationError Code = 500034
	// InvalidAPIMethod is 501001 "Invalid API method": the method is unknown or not implemented; see InvalidAPIMethodClient.
	InvalidAPIMethod Code = 501001
	// Timeout is 504001 "Timeout".
	Timeout Code = 504001
	// RequestTimeout is 504002 "Request Timeout".
	RequestTimeout Code = 504002
)

<?php
/**
 * SkyPanel (Aether Panel) API client for the WHMCS module: OAuth2 client credentials with a
 * per-process token cache, JSON requests, the panel's error envelope turned into readable
 * messages, one retry after a 429 (Retry-After) and one after a 401 with a cached token.
 * Every request is logged through logModuleCall with secrets removed before logging.
 *
 * ext-curl and ext-json only.
 */

declare(strict_types=1);

namespace SkyPanel\Whmcs;

/** An API call that did not succeed; getMessage() is what WHMCS shows ("ErrConflict: …"). */
class ApiException extends \RuntimeException
{
    /** @var int HTTP status (0 = no response) */
    public $status;
    /** @var string the panel's error code ("ErrConflict"), or the OAuth2 error ("invalid_client") */
    public $errorCode;
    /** @var array the envelope's metadata */
    public $metadata;

    public function __construct(string $message, int $status = 0, string $errorCode = '', array $metadata = [])
    {
        parent::__construct($message, $status);
        $this->status = $status;
        $this->errorCode = $errorCode;
        $this->metadata = $metadata;
    }
}

/** One HTTP answer: status and decoded JSON body (null when empty or not JSON). */
class ApiResponse
{
    /** @var int */
    public $status;
    /** @var mixed */
    public $body;

    public function __construct(int $status, $body)
    {
        $this->status = $status;
        $this->body = $body;
    }
}

class ApiClient
{
    /** Longest Retry-After (seconds) the client waits for before its one retry. */
    const MAX_RETRY_AFTER = 30;
    /** JSON encoding: invalid UTF-8 (from a WHMCS field) becomes U+FFFD instead of failing. */
    const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE;
    /** Seconds before a token's expiry at which it is no longer used. */
    const TOKEN_MARGIN = 30;

    /** @var array<string, array{token: string, expires: int, scope: string}> per-process token cache */
    private static $tokens = [];

    /** @var string */
    private $baseUrl;
    /** @var string */
    private $clientId;
    /** @var string */
    private $secret;
    /** @var string[] strings never logged: the secret, passwords, tokens */
    private $secrets = [];
    /** @var string the WHMCS action being logged (CreateAccount, …) */
    private $action;

    /**
     * @param array $params WHMCS's server fields: serverhostname, serverport, serversecure,
     *                      serverusername (client id), serverpassword (secret)
     */
    public function __construct(array $params, string $action)
    {
        $host = trim((string)($params['serverhostname'] ?? ''));
        if ($host === '') {
            $host = trim((string)($params['serverip'] ?? ''));
        }
        if ($host === '') {
            throw new ApiException('The server record has no hostname: set the panel\'s address in the WHMCS server.');
        }
        $secure = $params['serversecure'] ?? false;
        $https = $secure === true || in_array(strtolower((string)$secure), ['on', '1', 'true', 'yes'], true);
        if (preg_match('#^https?://#i', $host)) { // a full URL typed into the hostname field
            $this->baseUrl = rtrim($host, '/');
        } else {
            if (strpos($host, ':') !== false && strpos($host, '[') === false && substr_count($host, ':') > 1) {
                $host = '[' . $host . ']'; // a bare IPv6 address
            }
            $port = (int)($params['serverport'] ?? 0);
            $this->baseUrl = ($https ? 'https://' : 'http://') . $host . ($port > 0 ? ':' . $port : '');
        }
        $this->clientId = (string)($params['serverusername'] ?? '');
        $this->secret = (string)($params['serverpassword'] ?? '');
        $this->action = $action;
        $this->addSecret($this->secret);
    }

    /** Marks a value (a password) that must never appear in the module log. */
    public function addSecret(string $value): void
    {
        if ($value !== '' && !in_array($value, $this->secrets, true)) {
            $this->secrets[] = $value;
        }
    }

    /** Forgets every cached token (tests; WHMCS processes end after each call anyway). */
    public static function clearTokenCache(): void
    {
        self::$tokens = [];
    }

    /**
     * Returns a bearer token, from the per-process cache while it is valid, else from
     * POST /oauth2/token (client credentials). The cache lives in memory only: nothing secret
     * is written to disk.
     *
     * @return array{token: string, expires: int, scope: string}
     */
    public function token(bool $fresh = false): array
    {
        $key = $this->baseUrl . '|' . $this->clientId;
        $cached = self::$tokens[$key] ?? null;
        if (!$fresh && $cached !== null && $cached['expires'] - self::TOKEN_MARGIN > time()) {
            return $cached;
        }
        unset(self::$tokens[$key]);
        if ($this->clientId === '' || $this->secret === '') {
            throw new ApiException('The server record needs the OAuth2 client id (username) and secret (password).');
        }
        $form = http_build_query(['grant_type' => 'client_credentials', 'client_id' => $this->clientId,
            'client_secret' => $this->secret]);
        $logged = 'grant_type=client_credentials&client_id=' . rawurlencode($this->clientId) . '&client_secret=********';
        $resp = $this->send('POST', '/oauth2/token', $form, 'application/x-www-form-urlencoded', null, $logged);
        $b = $resp->body;
        if ($resp->status !== 200 || !is_array($b) || !isset($b['access_token'])) {
            throw $this->error($resp, 'POST /oauth2/token');
        }
        $entry = ['token' => (string)$b['access_token'], 'expires' => time() + (int)($b['expires_in'] ?? 60),
            'scope' => (string)($b['scope'] ?? '')];
        self::$tokens[$key] = $entry;
        return $entry;
    }

    /**
     * Calls the API with a bearer token. $expect lists the statuses that are success; any other
     * status throws an ApiException carrying the panel's error.
     *
     * @param array|null $body JSON body (null = none)
     * @param int[] $expect
     */
    public function call(string $method, string $path, $body = null, array $expect = [200]): ApiResponse
    {
        $json = $body === null ? null : json_encode($body, self::JSON_FLAGS);
        $logged = $body === null ? null : json_encode($this->maskBody($body), self::JSON_FLAGS);
        $tok = $this->token();
        $resp = $this->send($method, $path, $json, 'application/json', $tok['token'], $logged);
        if ($resp->status === 401) { // revoked or expired early: one fresh token, one retry
            $tok = $this->token(true);
            $resp = $this->send($method, $path, $json, 'application/json', $tok['token'], $logged);
        }
        if (!in_array($resp->status, $expect, true)) {
            throw $this->error($resp, $method . ' ' . $path);
        }
        return $resp;
    }

    /** Sends one request, retrying once after a 429 that says when (Retry-After). */
    private function send(string $method, string $path, ?string $payload, string $type, ?string $token, ?string $logged): ApiResponse
    {
        [$resp, $retryAfter] = $this->sendOnce($method, $path, $payload, $type, $token, $logged);
        if ($resp->status === 429 && $retryAfter !== null && $retryAfter <= self::MAX_RETRY_AFTER) {
            sleep(max(0, $retryAfter));
            [$resp] = $this->sendOnce($method, $path, $payload, $type, $token, $logged);
        }
        return $resp;
    }

    /** @return array{0: ApiResponse, 1: int|null} the answer and its Retry-After in seconds */
    private function sendOnce(string $method, string $path, ?string $payload, string $type, ?string $token, ?string $logged): array
    {
        $headers = ['Accept: application/json'];
        if ($token !== null) {
            $headers[] = 'Authorization: Bearer ' . $token;
            $this->addSecret($token);
        }
        if ($payload !== null) {
            $headers[] = 'Content-Type: ' . $type;
        }
        $retryAfter = null;
        $ch = curl_init($this->baseUrl . $path);
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_CONNECTTIMEOUT => 10,
            CURLOPT_TIMEOUT => 60,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$retryAfter): int {
                if (preg_match('/^Retry-After:\s*(\d+)\s*$/i', $line, $m)) {
                    $retryAfter = (int)$m[1];
                }
                return strlen($line);
            },
        ]);
        if ($payload !== null) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $payload);
        }
        $raw = curl_exec($ch);
        $status = (int)curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $curlError = curl_error($ch);
        curl_close($ch);
        $request = $method . ' ' . $this->baseUrl . $path . ($logged === null ? '' : "\n" . $logged);
        if ($raw === false) {
            $this->log($request, 'no response: ' . $curlError, null);
            throw new ApiException('Cannot reach the panel at ' . $this->baseUrl . ': ' . $curlError);
        }
        $body = $raw === '' ? null : json_decode($raw, true);
        if (is_array($body) && isset($body['access_token']) && is_string($body['access_token'])) {
            $this->addSecret($body['access_token']); // the token answer is logged masked
        }
        $this->log($request, 'HTTP ' . $status . ($raw === '' ? '' : "\n" . $raw), $body);
        return [new ApiResponse($status, $body), $retryAfter];
    }

    /** Builds the exception for an unexpected answer from the envelope or the OAuth2 error. */
    private function error(ApiResponse $resp, string $what): ApiException
    {
        $b = $resp->body;
        if (is_array($b) && isset($b['error']) && is_array($b['error'])) {
            $e = $b['error'];
            $code = (string)($e['code'] ?? 'Err');
            $meta = is_array($e['metadata'] ?? null) ? $e['metadata'] : [];
            $msg = $code . ': ' . (string)($e['msg'] ?? '');
            if (isset($meta['field'])) {
                $msg .= ' (field ' . $meta['field'] . ')';
            }
            return new ApiException($msg, $resp->status, $code, $meta);
        }
        if (is_array($b) && isset($b['error']) && is_string($b['error'])) { // RFC 6749
            $desc = (string)($b['error_description'] ?? '');
            return new ApiException($b['error'] . ($desc === '' ? '' : ': ' . $desc), $resp->status, $b['error']);
        }
        return new ApiException($what . ' answered HTTP ' . $resp->status, $resp->status);
    }

    /** Replaces password fields of a request body by asterisks (for the log). */
    private function maskBody(array $body): array
    {
        foreach ($body as $k => $v) {
            if (is_array($v)) {
                $body[$k] = $this->maskBody($v);
            } elseif ($k === 'password' || $k === 'client_secret') {
                $body[$k] = '********';
            }
        }
        return $body;
    }

    /** Logs one request through WHMCS's module log, with every known secret masked. */
    private function log(string $request, string $response, $processed): void
    {
        if (!function_exists('logModuleCall')) {
            return;
        }
        $mask = function (string $s): string {
            foreach ($this->secrets as $secret) {
                $s = str_replace($secret, '********', $s);
            }
            return $s;
        };
        $processed = $processed === null ? '' : $mask((string)json_encode($processed, self::JSON_FLAGS));
        logModuleCall('skypanel', $this->action, $mask($request), $mask($response), $processed, $this->secrets);
    }
}

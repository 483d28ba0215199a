<?php
/**
 * The WHMCS actions in terms of the SkyPanel API: product options (by position, overridable
 * by name through configurable options), the client's panel user and the service's server,
 * both found by externalId.
 */

declare(strict_types=1);

namespace SkyPanel\Whmcs;

class Provisioner
{
    /**
     * The product options by position (configoption1 …): key, WHMCS name, type, default, help.
     * A configurable option (configoptions[…]) named like `name`, like `name` without its
     * unit ("Memory") or like `key` overrides the product's value.
     */
    const OPTIONS = [
        ['key' => 'template', 'name' => 'Template', 'type' => 'text', 'size' => 25, 'default' => '',
            'description' => 'Template name (e.g. minecraft-java); empty = none (set image and startup)'],
        ['key' => 'memory', 'name' => 'Memory (MB)', 'type' => 'text', 'size' => 8, 'default' => '1024',
            'description' => 'Memory limit in MiB; 0 = unlimited'],
        ['key' => 'disk', 'name' => 'Disk (MB)', 'type' => 'text', 'size' => 8, 'default' => '5120',
            'description' => 'Disk limit in MiB; 0 = unlimited'],
        ['key' => 'cpu', 'name' => 'CPU (%)', 'type' => 'text', 'size' => 6, 'default' => '100',
            'description' => 'CPU limit in percent of one core (100 = one core); 0 = unlimited'],
        ['key' => 'databases', 'name' => 'Databases', 'type' => 'text', 'size' => 4, 'default' => '0',
            'description' => 'Maximum number of databases'],
        ['key' => 'backups', 'name' => 'Backups', 'type' => 'text', 'size' => 4, 'default' => '0',
            'description' => 'Maximum number of stored backups'],
        ['key' => 'node', 'name' => 'Node ID', 'type' => 'text', 'size' => 6, 'default' => '0',
            'description' => 'Node id; 0 = let the panel choose'],
        ['key' => 'image', 'name' => 'Docker Image', 'type' => 'text', 'size' => 40, 'default' => '',
            'description' => 'Container image; empty = the template\'s'],
        ['key' => 'startup', 'name' => 'Startup Command', 'type' => 'text', 'size' => 60, 'default' => '',
            'description' => 'Startup command; empty = the template\'s'],
        ['key' => 'environmentType', 'name' => 'Environment Type', 'type' => 'dropdown',
            'options' => 'docker,standard', 'default' => 'docker',
            'description' => 'docker (containers) or standard (host processes, administrators\' tool)'],
        ['key' => 'variables', 'name' => 'Template Variables (JSON)', 'type' => 'textarea', 'default' => '',
            'description' => 'JSON object of template variables, e.g. {"VERSION": "1.20.1"}'],
    ];

    /** @var ApiClient */
    private $api;
    /** @var array */
    private $params;

    public function __construct(ApiClient $api, array $params)
    {
        $this->api = $api;
        $this->params = $params;
        $this->api->addSecret((string)($params['password'] ?? ''));
    }

    /** The externalId of the WHMCS client's panel user. */
    public function userExternalId(): string
    {
        return 'whmcs-' . (int)($this->params['userid'] ?? 0);
    }

    /** The externalId of the service's server. */
    public function serverExternalId(): string
    {
        return 'whmcs-' . (int)($this->params['serviceid'] ?? 0);
    }

    /** A product option's value: configoptions[…] by name when present, else configoptionN. */
    public function option(string $key): string
    {
        foreach (self::OPTIONS as $i => $opt) {
            if ($opt['key'] !== $key) {
                continue;
            }
            $names = [strtolower($opt['name']), strtolower(trim(preg_replace('/\s*\(.*\)$/', '', $opt['name']))),
                strtolower($key)];
            foreach ((array)($this->params['configoptions'] ?? []) as $name => $value) {
                if (in_array(strtolower(trim((string)$name)), $names, true) && trim((string)$value) !== '') {
                    return trim((string)$value);
                }
            }
            return trim((string)($this->params['configoption' . ($i + 1)] ?? ''));
        }
        throw new \InvalidArgumentException('unknown option ' . $key);
    }

    /** An integer option (empty = null); anything else than digits is an error naming the option. */
    private function intOption(string $key): ?int
    {
        $v = $this->option($key);
        if ($v === '') {
            return null;
        }
        if (!preg_match('/^-?\d+$/', $v)) {
            throw new ApiException(sprintf('Product option "%s" must be a whole number, not "%s".', $this->optionName($key), $v));
        }
        return (int)$v;
    }

    private function optionName(string $key): string
    {
        foreach (self::OPTIONS as $opt) {
            if ($opt['key'] === $key) {
                return $opt['name'];
            }
        }
        return $key;
    }

    /** The limits and feature limits of the product (only the options that are set). */
    public function limits(): array
    {
        $out = [];
        foreach (['memory', 'disk', 'cpu'] as $k) {
            if (($v = $this->intOption($k)) !== null) {
                $out['limits'][$k] = $v;
            }
        }
        foreach (['databases', 'backups'] as $k) {
            if (($v = $this->intOption($k)) !== null) {
                $out['featureLimits'][$k] = $v;
            }
        }
        return $out;
    }

    /** The create body of the service's server, owned by $ownerId. Deterministic, so a retry is identical. */
    public function serverBody(int $ownerId): array
    {
        $fallback = 'WHMCS service ' . (int)($this->params['serviceid'] ?? 0);
        $domain = trim((string)($this->params['domain'] ?? ''));
        // 100 characters, UTF-8 safe without mbstring; a domain that is not UTF-8 gives the fallback
        $name = $domain !== '' && preg_match('/^.{1,100}/us', $domain, $m) ? $m[0] : $fallback;
        $body = ['name' => $name, 'ownerId' => $ownerId, 'externalId' => $this->serverExternalId()] + $this->limits();
        $fb = $body['featureLimits'] ?? null;
        if ($fb !== null) { // FeatureLimits needs both
            $body['featureLimits'] = ['databases' => $fb['databases'] ?? 0, 'backups' => $fb['backups'] ?? 0];
        }
        foreach (['template' => 'template', 'image' => 'dockerImage', 'startup' => 'startup',
                     'environmentType' => 'environmentType'] as $opt => $field) {
            if (($v = $this->option($opt)) !== '') {
                $body[$field] = $v;
            }
        }
        if (($node = $this->intOption('node')) !== null && $node > 0) {
            $body['nodeId'] = $node;
        }
        if (($vars = $this->option('variables')) !== '') {
            $decoded = json_decode($vars, true);
            if (!is_array($decoded) || ($decoded !== [] && array_is_list($decoded))) {
                throw new ApiException('Product option "Template Variables (JSON)" must be a JSON object, e.g. {"VERSION": "1.20.1"}.');
            }
            if ($decoded !== []) {
                $body['variables'] = $decoded;
            }
        }
        return $body;
    }

    /** Finds the panel user with the client's externalId; null when there is none. */
    public function findUser(): ?array
    {
        $r = $this->api->call('GET', '/api/users?' . http_build_query(['externalId' => $this->userExternalId()]));
        return self::withExternalId($r->body['users'] ?? [], $this->userExternalId());
    }

    /** Finds the panel server with the service's externalId; null when there is none. */
    public function findServer(): ?array
    {
        $r = $this->api->call('GET', '/api/servers?' . http_build_query(['externalId' => $this->serverExternalId()]));
        return self::withExternalId($r->body['servers'] ?? [], $this->serverExternalId());
    }

    /**
     * The item of a filtered list that really carries $id: a panel too old to know the filter
     * answers an unfiltered list, which must never be mistaken for a match.
     */
    private static function withExternalId(array $items, string $id): ?array
    {
        foreach ($items as $item) {
            if (is_array($item) && ($item['externalId'] ?? null) === $id) {
                return $item;
            }
        }
        return null;
    }

    /** The service's server, or an error saying it does not exist. */
    private function requireServer(): array
    {
        $s = $this->findServer();
        if ($s === null) {
            throw new ApiException(sprintf('No server on the panel has externalId %s (create the account first).',
                $this->serverExternalId()), 404, 'ErrServerNotFound');
        }
        return $s;
    }

    /** CreateAccount: the user (found or created), then the server (201, or 200 on a retry). */
    public function createAccount(): void
    {
        $user = $this->findUser() ?? $this->createUser();
        $body = $this->serverBody((int)$user['id']);
        try {
            $this->api->call('PUT', '/api/servers', $body, [200, 201]);
        } catch (ApiException $e) {
            if ($e->status === 409 && ($e->metadata['field'] ?? '') === 'externalId') {
                $s = $this->findServer();
                throw new ApiException($e->getMessage() . sprintf('; server %s already exists for this service with ' .
                    'other settings (use Change Package, or terminate it first)', $s['id'] ?? '?'), 409, $e->errorCode, $e->metadata);
            }
            throw $e;
        }
    }

    /** Creates the client's panel user; a taken username gets the client id appended once. */
    private function createUser(): array
    {
        $username = $this->username();
        $body = ['username' => $username, 'email' => (string)($this->params['clientsdetails']['email'] ?? ''),
            'password' => (string)($this->params['password'] ?? ''), 'externalId' => $this->userExternalId()];
        try {
            return $this->api->call('POST', '/api/users', $body, [200, 201])->body;
        } catch (ApiException $e) {
            if ($e->status !== 409) {
                throw $e;
            }
            if (($e->metadata['field'] ?? '') === 'externalId') { // created meanwhile (a concurrent call)
                $u = $this->findUser();
                if ($u !== null) {
                    return $u;
                }
                throw $e;
            }
            $field = $e->metadata['field'] ?? '';
            if ($field === 'email') {
                throw new ApiException($e->getMessage() . sprintf('; a panel user already has the email %s: ' .
                    'set its externalId to %s to link it to this client', $body['email'], $this->userExternalId()),
                    409, $e->errorCode, $e->metadata);
            }
            if ($field !== 'username') {
                throw $e;
            }
            $suffix = '-' . (int)($this->params['userid'] ?? 0);
            $body['username'] = substr($username, 0, 32 - strlen($suffix)) . $suffix;
            return $this->api->call('POST', '/api/users', $body, [200, 201])->body;
        }
    }

    /** The service's username made valid for the panel (^[a-zA-Z0-9_.-]{3,32}$). */
    public function username(): string
    {
        $u = (string)($this->params['username'] ?? '');
        if ($u === '') {
            $u = strstr((string)($this->params['clientsdetails']['email'] ?? ''), '@', true) ?: '';
        }
        $u = substr((string)preg_replace('/[^a-zA-Z0-9_.-]+/', '_', $u), 0, 32);
        if (strlen(trim($u, '_')) < 3) {
            $u = 'whmcs' . (int)($this->params['userid'] ?? 0);
        }
        return $u;
    }

    /** POST /api/servers/{id}/suspend or /unsuspend on the service's server. */
    public function serverAction(string $action): void
    {
        $s = $this->requireServer();
        $this->api->call('POST', '/api/servers/' . rawurlencode($s['id']) . '/' . $action, null, [204]);
    }

    /** Deletes the service's server; one already gone is success. */
    public function terminate(): void
    {
        $s = $this->findServer();
        if ($s === null) {
            return;
        }
        $this->api->call('DELETE', '/api/servers/' . rawurlencode($s['id']), null, [204, 404]);
    }

    /** PUT /api/servers/{id}/limits with the product's limits; returns the panel's answer. */
    public function changePackage(): array
    {
        $s = $this->requireServer();
        $limits = $this->limits();
        if ($limits === []) {
            throw new ApiException('The product sets no limits (memory, disk, CPU, databases, backups).');
        }
        return $this->api->call('PUT', '/api/servers/' . rawurlencode($s['id']) . '/limits', $limits)->body;
    }

    /** Sets the client's panel user's password. */
    public function changePassword(): void
    {
        $u = $this->findUser();
        if ($u === null) {
            throw new ApiException(sprintf('No panel user has externalId %s (create the account first).',
                $this->userExternalId()), 404, 'ErrUserNotFound');
        }
        $this->api->call('POST', '/api/users/' . (int)$u['id'], ['password' => (string)($this->params['password'] ?? '')]);
    }
}

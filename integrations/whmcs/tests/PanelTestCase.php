<?php
/**
 * Base of the live-panel tests: the environment, WHMCS-shaped $params, an independent admin
 * HTTP client for the checks (not the module's), the tenant's client, the memory cgroup of a
 * server and the lifecycle printout (one "whmcs>" line per step, on stderr).
 */

declare(strict_types=1);

use PHPUnit\Framework\TestCase;

abstract class PanelTestCase extends TestCase
{
    /** @var string|null the checks' admin token */
    private static $adminToken;

    /** An environment variable, or the test is skipped saying which is missing. */
    protected static function env(string $name): string
    {
        $v = getenv($name);
        if ($v === false || $v === '') {
            self::markTestSkipped("$name is not set: the lifecycle needs a live panel (run e2e/whmcs_test.go)");
        }
        return $v;
    }

    protected static function optEnv(string $name, string $default = ''): string
    {
        $v = getenv($name);
        return $v === false || $v === '' ? $default : $v;
    }

    /** Prints one lifecycle line (stderr, so it shows as it happens). */
    protected static function say(string $line): void
    {
        fwrite(STDERR, 'whmcs> ' . $line . "\n");
    }

    /** The WHMCS server record's fields for PANEL_URL and the admin client. */
    protected static function serverParams(?string $secret = null): array
    {
        $u = parse_url(self::env('PANEL_URL'));
        return ['serverhostname' => $u['host'], 'serverport' => (string)($u['port'] ?? ''),
            'serversecure' => ($u['scheme'] ?? 'http') === 'https' ? 'on' : '', 'serverip' => '',
            'serverusername' => self::env('CLIENT_ID'), 'serverpassword' => $secret ?? self::env('CLIENT_SECRET')];
    }

    /**
     * Calls the panel as the admin (or with $token), independently of the module.
     *
     * @return array{0: int, 1: mixed} status and decoded body
     */
    protected static function http(string $method, string $path, $body = null, ?string $token = null): array
    {
        $token = $token ?? self::adminToken();
        $ch = curl_init(rtrim(self::env('PANEL_URL'), '/') . $path);
        $headers = ['Authorization: Bearer ' . $token, 'Accept: application/json'];
        if ($body !== null) {
            $headers[] = 'Content-Type: application/json';
            curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body));
        }
        curl_setopt_array($ch, [CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers, CURLOPT_TIMEOUT => 60]);
        $raw = curl_exec($ch);
        $status = (int)curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        self::assertNotFalse($raw, "$method $path: no answer");
        return [$status, $raw === '' ? null : json_decode($raw, true)];
    }

    /** A token for client id/secret (client credentials). */
    protected static function tokenFor(string $id, string $secret): string
    {
        $ch = curl_init(rtrim(self::env('PANEL_URL'), '/') . '/oauth2/token');
        curl_setopt_array($ch, [CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_POSTFIELDS =>
            http_build_query(['grant_type' => 'client_credentials', 'client_id' => $id, 'client_secret' => $secret])]);
        $raw = (string)curl_exec($ch);
        curl_close($ch);
        $b = json_decode($raw, true);
        self::assertIsArray($b, "token: $raw");
        self::assertArrayHasKey('access_token', $b, "token: $raw");
        return $b['access_token'];
    }

    protected static function adminToken(): string
    {
        return self::$adminToken ??= self::tokenFor(self::env('CLIENT_ID'), self::env('CLIENT_SECRET'));
    }

    /** GET that must answer 200; returns the body. */
    protected static function get(string $path, ?string $token = null): array
    {
        [$status, $body] = self::http('GET', $path, null, $token);
        self::assertSame(200, $status, "GET $path: " . json_encode($body));
        return $body;
    }

    /**
     * Polls GET …/status until the server is in $state (a stop after suspension runs in the
     * background); 600 polls 0.1 s apart at most, then the test fails with the last status.
     */
    protected static function waitState(string $id, string $state, ?string $token = null): array
    {
        for ($i = 0; $i < 600; $i++) {
            $st = self::get("/api/servers/$id/status", $token);
            if ($st['state'] === $state) {
                return $st;
            }
            usleep(100000);
        }
        self::fail("server $id never reached $state: " . json_encode($st));
    }

    /** The panel's error code of a body ('' when it is none). */
    protected static function code($body): string
    {
        return is_array($body) ? (string)($body['error']['code'] ?? '') : '';
    }

    /**
     * A tenant client of panel user $username with $scopes, made by `skypanel oauth2 create` on
     * the panel's data folder (the admin API only creates clients for the caller itself).
     */
    protected static function tenantToken(string $username, array $scopes): string
    {
        $cmd = [self::env('SKYPANEL_BIN'), 'oauth2', 'create', '--data', self::env('SKYPANEL_DATA'),
            '--user', $username, '--scopes', implode(' ', $scopes), '--name', 'whmcs test tenant', '--json'];
        $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($p);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        self::assertSame(0, proc_close($p), "skypanel oauth2 create: $out $err");
        $c = json_decode((string)$out, true);
        return self::tokenFor($c['client_id'], $c['client_secret']);
    }

    /** The stored password hash of panel user $id, read from the panel's SQLite file (read-only). */
    protected static function passwordHash(int $id): string
    {
        $db = new PDO('sqlite:' . self::env('SKYPANEL_DATA') . '/skypanel.db', null, null,
            [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::SQLITE_ATTR_OPEN_FLAGS => PDO::SQLITE_OPEN_READONLY]);
        $q = $db->prepare('SELECT password_hash FROM users WHERE id = ?');
        $q->execute([$id]);
        $hash = $q->fetchColumn();
        self::assertIsString($hash, "no user $id in the database");
        return $hash;
    }

    /**
     * The memory limit (bytes) the kernel enforces on server $id: the cgroup directory named
     * after the server (runc's skypanel-<id>, the host runtime's <id>) under the v1 memory
     * controller (memory.limit_in_bytes) or the v2 hierarchy (memory.max).
     */
    protected static function cgroupMemoryLimit(string $id): int
    {
        [$root, $file] = is_dir('/sys/fs/cgroup/memory') ? ['/sys/fs/cgroup/memory', 'memory.limit_in_bytes']
            : ['/sys/fs/cgroup', 'memory.max'];
        $dir = self::findDir($root, [$id, 'skypanel-' . $id], 5);
        if ($dir !== null && is_file("$dir/$file")) {
            $v = trim((string)file_get_contents("$dir/$file"));
            return $v === 'max' ? 0 : (int)$v;
        }
        self::fail("no memory cgroup named after server $id under /sys/fs/cgroup");
    }

    private static function findDir(string $dir, array $names, int $depth): ?string
    {
        $subdirs = [];
        foreach (@scandir($dir) ?: [] as $e) {
            if ($e === '.' || $e === '..' || !is_dir("$dir/$e") || is_link("$dir/$e")) {
                continue;
            }
            if (in_array($e, $names, true)) {
                return "$dir/$e";
            }
            $subdirs[] = "$dir/$e";
        }
        if ($depth > 1) {
            foreach ($subdirs as $s) {
                if (($found = self::findDir($s, $names, $depth - 1)) !== null) {
                    return $found;
                }
            }
        }
        return null;
    }
}

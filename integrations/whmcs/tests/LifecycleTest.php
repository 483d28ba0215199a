<?php
/**
 * One WHMCS service's whole life against a live panel, through the module's functions with
 * WHMCS-shaped $params, each step checked independently through the API (and the kernel's
 * cgroup, and the stored password hash): test connection, create twice, suspend, unsuspend,
 * change package, change password, terminate. Prints the lifecycle ("whmcs>" lines).
 */

declare(strict_types=1);

use SkyPanel\Whmcs\ApiClient;

final class LifecycleTest extends PanelTestCase
{
    /** @var array the service's $params (WHMCS builds them from the client, product and server) */
    private static $params = [];
    /** @var string[] passwords used, all of which must stay out of the module log */
    private static $passwords = [];

    /** The wrong secret of the bad TestConnection. */
    private const BAD_SECRET = 'not-the-secret';

    public static function setUpBeforeClass(): void
    {
        ModuleLog::$calls = []; // this class's calls only
        $run = bin2hex(random_bytes(3));
        $userid = random_int(1000, 999999);
        $startup = self::optEnv('WHMCS_STARTUP', 'while read l; do [ "$l" = stop ] && exit 0; echo "echo:$l"; done');
        self::$passwords = ['Initial' . random_int(1000, 9999) . 'pw'];
        $env = self::optEnv('WHMCS_ENVIRONMENT', 'docker');
        self::$params = [
            'userid' => $userid, 'serviceid' => random_int(1000, 999999), 'pid' => 3, 'domain' => '',
            'username' => "Client $run", 'password' => self::$passwords[0], 'producttype' => 'other',
            'moduletype' => 'skypanel', 'status' => 'Pending', 'packageid' => 3,
            'clientsdetails' => ['userid' => $userid, 'firstname' => 'Ada', 'lastname' => 'Lovelace',
                'fullname' => 'Ada Lovelace', 'email' => "ada-$run@example.com", 'companyname' => ''],
            'configoption1' => self::optEnv('WHMCS_TEMPLATE'), 'configoption2' => '64', 'configoption3' => '512',
            'configoption4' => '50', 'configoption5' => '0', 'configoption6' => '1', 'configoption7' => '0',
            'configoption8' => $env === 'docker' ? self::optEnv('WHMCS_IMAGE') : '', 'configoption9' => $startup,
            'configoption10' => $env, 'configoption11' => '', 'configoptions' => [],
        ];
    }

    private static function params(array $extra = []): array
    {
        return $extra + self::$params + self::serverParams();
    }

    private static function userExt(): string
    {
        return 'whmcs-' . self::$params['userid'];
    }

    private static function serverExt(): string
    {
        return 'whmcs-' . self::$params['serviceid'];
    }

    /** The panel's users/servers carrying externalId $ext (admin API, checked independently). */
    private static function byExternalId(string $kind, string $ext): array
    {
        return self::get("/api/$kind?externalId=" . rawurlencode($ext))[$kind];
    }

    private static function server(): array
    {
        $list = self::byExternalId('servers', self::serverExt());
        self::assertCount(1, $list, 'servers with externalId ' . self::serverExt());
        return $list[0];
    }

    /** The product's five numbers as a server shows them. */
    private static function limitsOf(array $s): array
    {
        return ['memory' => $s['resources']['memory'], 'disk' => $s['resources']['disk'], 'cpu' => $s['resources']['cpu'],
            'databases' => $s['featureLimits']['databases'], 'backups' => $s['featureLimits']['backups']];
    }

    public function testConnection(): void
    {
        ApiClient::clearTokenCache();
        $this->assertSame(['success' => true, 'error' => ''], skypanel_TestConnection(self::serverParams()));
        $bad = skypanel_TestConnection(self::serverParams(self::BAD_SECRET));
        $this->assertFalse($bad['success']);
        $this->assertStringStartsWith('invalid_client', $bad['error']);
        self::say('TestConnection (good secret) → success; (bad secret) → "' . $bad['error'] . '"');
    }

    /** @depends testConnection */
    public function testCreateAccount(): array
    {
        $from = count(ModuleLog::$calls);
        $this->assertSame('success', skypanel_CreateAccount(self::params()));
        $users = self::byExternalId('users', self::userExt());
        $this->assertCount(1, $users);
        $u = $users[0];
        $this->assertSame(['Client_' . substr(self::$params['username'], 7), self::$params['clientsdetails']['email'], false],
            [$u['username'], $u['email'], $u['admin']]);
        $s = self::server();
        $this->assertSame([$u['id'], false], [$s['ownerId'], $s['suspended']]);
        $this->assertSame(['memory' => 64, 'disk' => 512, 'cpu' => 50, 'databases' => 0, 'backups' => 1], self::limitsOf($s));
        $this->assertSame(self::$params['configoption10'], $s['environmentType']);
        $log = ModuleLog::responses('CreateAccount', $from);
        $this->assertStringEndsWith('HTTP 201', end($log), 'the server was created');
        self::say(sprintf('CreateAccount → success: user %d "%s" (externalId %s), server %s (externalId %s, %s, %d MiB)',
            $u['id'], $u['username'], self::userExt(), $s['id'], self::serverExt(), $s['environmentType'], $s['resources']['memory']));
        return ['user' => $u, 'server' => $s['id']];
    }

    /** @depends testCreateAccount */
    public function testCreateAccountAgainCreatesNothing(array $ids): array
    {
        $users = self::get('/api/users?limit=100')['metadata']['paging']['total'];
        $servers = self::get('/api/servers?limit=100')['metadata']['paging']['total'];
        $from = count(ModuleLog::$calls);
        $this->assertSame('success', skypanel_CreateAccount(self::params()));
        $log = ModuleLog::responses('CreateAccount', $from);
        $this->assertStringEndsWith('HTTP 200', end($log), 'the panel answered the retry with the existing server');
        $this->assertSame([$users, $servers], [self::get('/api/users?limit=100')['metadata']['paging']['total'],
            self::get('/api/servers?limit=100')['metadata']['paging']['total']]);
        $this->assertSame($ids['server'], self::server()['id']);
        self::say("CreateAccount again → success: PUT /api/servers answered 200, still one user and one server ($ids[server])");
        return $ids;
    }

    /** @depends testCreateAccountAgainCreatesNothing */
    public function testCreateAccountBadProductSaysWhy(array $ids): array
    {
        $p = self::params(['serviceid' => self::$params['serviceid'] + 1, 'configoption1' => 'no-such-template']);
        $msg = skypanel_CreateAccount($p);
        $this->assertSame('ErrTemplateNotFound: template "no-such-template" does not exist (field template)', $msg);
        $this->assertSame([], self::byExternalId('servers', 'whmcs-' . $p['serviceid']), 'nothing created');
        self::say("CreateAccount with an unknown template → \"$msg\"");
        return $ids;
    }

    /** @depends testCreateAccountBadProductSaysWhy */
    public function testSuspendAccount(array $ids): array
    {
        $id = $ids['server'];
        [$st] = self::http('POST', "/api/servers/$id/start");
        $this->assertSame(204, $st, 'admin start');
        $this->assertSame('running', self::get("/api/servers/$id/status")['state']);
        $this->assertSame('success', skypanel_SuspendAccount(self::params()));
        $this->assertTrue(self::get("/api/servers/$id/status")['suspended']);
        $status = self::waitState($id, 'stopped');
        $this->assertSame([true, false], [$status['suspended'], $status['running']], json_encode($status));
        $this->assertTrue(self::get("/api/servers/$id")['suspended']);
        $scopes = ['server.view', 'server.status', 'server.start', 'server.stop'];
        [$st] = self::http('PUT', '/api/users/' . $ids['user']['id'] . '/perms', ['scopes' => $scopes]);
        $this->assertContains($st, [200, 204], 'grant the tenant its scopes');
        $tenant = self::tenantToken($ids['user']['username'], $scopes);
        [$st, $body] = self::http('POST', "/api/servers/$id/start", null, $tenant);
        $this->assertSame([409, 'ErrServerSuspended'], [$st, self::code($body)], 'tenant start');
        [$st, $body] = self::http('POST', "/api/servers/$id/stop", null, $tenant);
        $this->assertSame([409, 'ErrServerSuspended'], [$st, self::code($body)], 'tenant stop');
        $this->assertTrue(self::get("/api/servers/$id", $tenant)['suspended'], 'the tenant may still view it');
        $this->assertSame('success', skypanel_SuspendAccount(self::params()), 'suspending twice');
        self::say("SuspendAccount → success: $id stopped, suspended=true; tenant start/stop → 409 ErrServerSuspended, " .
            'tenant view → 200; SuspendAccount again → success');
        return $ids + ['tenant' => $tenant];
    }

    /** @depends testSuspendAccount */
    public function testUnsuspendAccount(array $ids): array
    {
        $id = $ids['server'];
        $this->assertSame('success', skypanel_UnsuspendAccount(self::params()));
        $this->assertFalse(self::get("/api/servers/$id")['suspended']);
        $this->assertSame('stopped', self::get("/api/servers/$id/status")['state'], 'unsuspend does not start it');
        [$st, $body] = self::http('POST', "/api/servers/$id/start", null, $ids['tenant']);
        $this->assertSame(204, $st, 'tenant start: ' . json_encode($body));
        $this->assertSame('running', self::get("/api/servers/$id/status", $ids['tenant'])['state']);
        self::say("UnsuspendAccount → success: suspended=false; tenant start → 204, running");
        return $ids;
    }

    /** @depends testUnsuspendAccount */
    public function testChangePackage(array $ids): array
    {
        $id = $ids['server'];
        $before = self::cgroupMemoryLimit($id);
        $this->assertSame(64 << 20, $before, 'the running server\'s memory cgroup before');
        $from = count(ModuleLog::$calls);
        $p = self::params(['configoption2' => '96', 'configoption4' => '100', 'configoptions' => ['Backups' => '3']]);
        $this->assertSame('success', skypanel_ChangePackage($p));
        $s = self::get("/api/servers/$id");
        $this->assertSame(['memory' => 96, 'disk' => 512, 'cpu' => 100, 'databases' => 0, 'backups' => 3], self::limitsOf($s));
        $log = ModuleLog::$calls[count(ModuleLog::$calls) - 1];
        $applied = json_decode($log['processed'], true)['applied'] ?? '';
        $this->assertSame('live', $applied, 'the server runs: limits applied live');
        $this->assertSame(96 << 20, self::cgroupMemoryLimit($id), 'memory cgroup after');
        $again = skypanel_CreateAccount($p);
        $this->assertStringStartsWith('ErrConflict: ', $again, 'a create retry with the changed product');
        $this->assertStringContainsString("(field externalId); server $id already exists for this service", $again);
        self::say("ChangePackage → success: memory 64 → 96 MiB, CPU 50 → 100 %, backups 1 → 3 (configoptions[Backups]); " .
            "applied=$applied; memory cgroup $before → " . (96 << 20) . ' bytes; CreateAccount with the new product → "' . $again . '"');
        return $ids;
    }

    /** @depends testChangePackage */
    public function testChangePassword(array $ids): array
    {
        $old = self::$passwords[0];
        $new = self::$passwords[] = 'Changed' . random_int(1000, 9999) . 'pw';
        $this->assertFalse(password_verify($new, self::passwordHash($ids['user']['id'])));
        $this->assertSame('success', skypanel_ChangePassword(self::params(['password' => $new])));
        $hash = self::passwordHash($ids['user']['id']);
        $this->assertStringStartsWith('$argon2id$', $hash);
        $this->assertTrue(password_verify($new, $hash), 'the stored hash verifies the new password');
        $this->assertFalse(password_verify($old, $hash), 'and not the old one');
        self::$params['password'] = $new; // WHMCS stores the service's new password
        self::say('ChangePassword → success: the stored argon2id hash (SQLite, read-only) verifies the new password, not the old');
        return $ids;
    }

    /** @depends testChangePassword */
    public function testTerminateAccount(array $ids): void
    {
        $id = $ids['server'];
        $this->assertSame('success', skypanel_TerminateAccount(self::params()));
        [$st, $body] = self::http('GET', "/api/servers/$id");
        $this->assertSame([404, 'ErrServerNotFound'], [$st, self::code($body)]);
        $this->assertSame([], self::byExternalId('servers', self::serverExt()));
        $this->assertCount(1, self::byExternalId('users', self::userExt()), 'the user is kept');
        $this->assertSame('success', skypanel_TerminateAccount(self::params()), 'terminating twice');
        $this->assertSame('No server on the panel has externalId ' . self::serverExt() . ' (create the account first).',
            skypanel_SuspendAccount(self::params()));
        self::say("TerminateAccount → success: $id deleted (404), user " . $ids['user']['id'] . ' kept; TerminateAccount again → success');
    }

    /** @depends testTerminateAccount */
    public function testNoSecretInTheModuleLog(): void
    {
        $text = ModuleLog::text();
        $this->assertNotSame('', $text);
        $secrets = array_merge([self::env('CLIENT_SECRET'), self::BAD_SECRET], self::$passwords, self::moduleTokens());
        $this->assertGreaterThan(count(self::$passwords) + 2, count($secrets), 'the module\'s token is known');
        foreach ($secrets as $s) {
            $this->assertStringNotContainsString($s, $text);
        }
        foreach (ModuleLog::$calls as $c) {
            $this->assertSame('skypanel', $c['module']);
            $this->assertNotEmpty(array_intersect([self::env('CLIENT_SECRET'), self::BAD_SECRET], $c['replace']),
                'WHMCS is told to mask the secret too');
        }
        self::say(sprintf('module log: %d calls, no client secret, password or access token in them', count(ModuleLog::$calls)));
    }

    /** @return string[] the access tokens the module holds in its per-process cache */
    private static function moduleTokens(): array
    {
        $r = new ReflectionProperty(ApiClient::class, 'tokens');
        $r->setAccessible(true);
        return array_column($r->getValue(), 'token');
    }
}

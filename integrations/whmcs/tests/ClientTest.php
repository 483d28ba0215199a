<?php
/**
 * ApiClient's HTTP behaviour against a scripted fake panel (`php -S` on loopback with
 * fixtures/fakepanel.php): one retry after a 429 that says when, none when it says too late,
 * the token cached and renewed once after a 401, the error envelope as a readable message.
 */

declare(strict_types=1);

use PHPUnit\Framework\TestCase;
use SkyPanel\Whmcs\ApiClient;
use SkyPanel\Whmcs\ApiException;

final class ClientTest extends TestCase
{
    /** @var resource|null */
    private static $server;
    /** @var int */
    private static $port = 0;
    /** @var string */
    private static $state = '';

    public static function setUpBeforeClass(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        self::$port = (int)substr((string)stream_socket_get_name($probe, false), strlen('127.0.0.1:'));
        fclose($probe);
        self::$state = (string)tempnam(sys_get_temp_dir(), 'fakepanel');
        $env = ['FAKEPANEL_STATE' => self::$state] + getenv();
        self::$server = proc_open([PHP_BINARY, '-S', '127.0.0.1:' . self::$port, __DIR__ . '/fixtures/fakepanel.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, null, $env);
        for ($i = 0; $i < 200; $i++) { // wait until it listens (bounded)
            $c = @fsockopen('127.0.0.1', self::$port);
            if ($c !== false) {
                fclose($c);
                return;
            }
            usleep(50000);
        }
        self::fail('php -S did not start');
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$server !== null) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        @unlink(self::$state);
    }

    protected function setUp(): void
    {
        file_put_contents(self::$state, '{}');
        ApiClient::clearTokenCache();
    }

    private static function client(string $secret = 'good-secret'): ApiClient
    {
        return new ApiClient(['serverhostname' => '127.0.0.1', 'serverport' => (string)self::$port, 'serversecure' => 'off',
            'serverusername' => 'whmcs', 'serverpassword' => $secret], 'ClientTest');
    }

    private static function hits(string $path): int
    {
        return (int)(json_decode((string)file_get_contents(self::$state), true)[$path] ?? 0);
    }

    public function testRetriesOnceAfter429(): void
    {
        $this->assertSame(['ok' => true], self::client()->call('GET', '/retry-once')->body);
        $this->assertSame(2, self::hits('/retry-once'));
    }

    public function testSecond429IsAnError(): void
    {
        try {
            self::client()->call('GET', '/always-429');
            $this->fail('no exception');
        } catch (ApiException $e) {
            $this->assertSame(429, $e->status);
            $this->assertSame('ErrRateLimited: rate limit exceeded', $e->getMessage());
        }
        $this->assertSame(2, self::hits('/always-429'), 'one retry, not more');
    }

    public function testRetryAfterBeyondTheCapIsNotAwaited(): void
    {
        try {
            self::client()->call('GET', '/retry-later');
            $this->fail('no exception');
        } catch (ApiException $e) {
            $this->assertSame(429, $e->status);
        }
        $this->assertSame(1, self::hits('/retry-later'));
    }

    public function testTokenCachedThenRenewedAfter401(): void
    {
        self::client()->call('GET', '/a');
        self::client()->call('GET', '/b'); // a new ApiClient, same process: the cached token
        $this->assertSame(1, self::hits('/oauth2/token'));
        $this->assertSame(['ok' => true], self::client()->call('GET', '/revoked-first')->body);
        $this->assertSame(2, self::hits('/oauth2/token'), 'a 401 with the cached token fetches a new one, once');
        $auth = json_decode((string)file_get_contents(self::$state), true)['auth:/revoked-first'];
        $this->assertSame(['Bearer tok-1', 'Bearer tok-2'], $auth);
    }

    public function testEnvelopeBecomesMessage(): void
    {
        try {
            self::client()->call('POST', '/conflict', ['password' => 'Hidden123']);
            $this->fail('no exception');
        } catch (ApiException $e) {
            $this->assertSame('ErrConflict: a user with this email already exists (field email)', $e->getMessage());
            $this->assertSame(['field' => 'email'], $e->metadata);
        }
    }

    public function testBadSecretIsOAuth2Error(): void
    {
        ModuleLog::$calls = [];
        $r = skypanel_TestConnection(['serverhostname' => '127.0.0.1', 'serverport' => (string)self::$port,
            'serversecure' => '', 'serverusername' => 'whmcs', 'serverpassword' => 'bad-secret']);
        $this->assertSame(['success' => false, 'error' => 'invalid_client: Client authentication failed.'], $r);
        $this->assertStringNotContainsString('bad-secret', ModuleLog::text());
        $this->assertContains('bad-secret', ModuleLog::$calls[0]['replace'], 'WHMCS is told to mask the secret too');
    }
}

<?php
/**
 * The module's pure logic, without a panel: metadata, product options by position and by
 * name, the server body, usernames, and the messages for a bad server record or an
 * unreachable panel.
 */

declare(strict_types=1);

use PHPUnit\Framework\TestCase;
use SkyPanel\Whmcs\ApiClient;
use SkyPanel\Whmcs\ApiException;
use SkyPanel\Whmcs\Provisioner;

final class OptionsTest extends TestCase
{
    /** A closed loopback port: nothing is ever sent anywhere. */
    private const NOWHERE = ['serverhostname' => '127.0.0.1', 'serverport' => '1', 'serversecure' => '',
        'serverusername' => 'id', 'serverpassword' => 'secret-never-logged'];

    private static function params(array $extra = []): array
    {
        return $extra + self::NOWHERE + ['userid' => 7, 'serviceid' => 42, 'username' => 'john', 'password' => 'Passw0rd1',
            'clientsdetails' => ['email' => 'john@example.com', 'firstname' => 'John', 'lastname' => 'Doe'],
            'configoption1' => 'minecraft-java', 'configoption2' => '2048', 'configoption3' => '10240',
            'configoption4' => '200', 'configoption5' => '1', 'configoption6' => '2', 'configoption7' => '0',
            'configoption8' => '', 'configoption9' => '', 'configoption10' => 'docker', 'configoption11' => ''];
    }

    private static function provisioner(array $params): Provisioner
    {
        return new Provisioner(new ApiClient($params, 'Test'), $params);
    }

    public function testMetaData(): void
    {
        $m = skypanel_MetaData();
        $this->assertSame('1.1', $m['APIVersion']);
        $this->assertTrue($m['RequiresServer']);
    }

    public function testConfigOptionsByPosition(): void
    {
        $names = array_keys(skypanel_ConfigOptions());
        $this->assertSame(['Template', 'Memory (MB)', 'Disk (MB)', 'CPU (%)', 'Databases', 'Backups', 'Node ID',
            'Docker Image', 'Startup Command', 'Environment Type', 'Template Variables (JSON)'], $names);
        $this->assertSame('docker,standard', skypanel_ConfigOptions()['Environment Type']['Options']);
    }

    public function testServerBody(): void
    {
        $body = self::provisioner(self::params())->serverBody(5);
        $this->assertSame(['name' => 'WHMCS service 42', 'ownerId' => 5, 'externalId' => 'whmcs-42',
            'limits' => ['memory' => 2048, 'disk' => 10240, 'cpu' => 200],
            'featureLimits' => ['databases' => 1, 'backups' => 2], 'template' => 'minecraft-java',
            'environmentType' => 'docker'], $body);
        $this->assertSame($body, self::provisioner(self::params())->serverBody(5), 'a retry sends the identical body');
    }

    public function testConfigurableOptionsOverrideByName(): void
    {
        $p = self::params(['configoption7' => '3', 'configoption11' => '{"VERSION": "1.20.1"}', 'domain' => 'mc.example.com',
            'configoptions' => ['Memory' => '4096', 'backups' => '5', 'Docker Image' => 'ghcr.io/x/y:1', 'Disk (MB)' => '']]);
        $body = self::provisioner($p)->serverBody(5);
        $this->assertSame(['memory' => 4096, 'disk' => 10240, 'cpu' => 200], $body['limits'], 'empty overrides are ignored');
        $this->assertSame(['databases' => 1, 'backups' => 5], $body['featureLimits']);
        $this->assertSame('ghcr.io/x/y:1', $body['dockerImage']);
        $this->assertSame(3, $body['nodeId']);
        $this->assertSame(['VERSION' => '1.20.1'], $body['variables']);
        $this->assertSame('mc.example.com', $body['name']);
    }

    public function testServerName(): void
    {
        $long = str_repeat('é', 120);
        $this->assertSame(str_repeat('é', 100), self::provisioner(self::params(['domain' => $long]))->serverBody(5)['name']);
        $this->assertSame('WHMCS service 42', self::provisioner(self::params(['domain' => "bad\xff"]))->serverBody(5)['name']);
    }

    /** @dataProvider badOptions */
    public function testBadOptionIsNamed(array $opts, string $want): void
    {
        $this->expectException(ApiException::class);
        $this->expectExceptionMessage($want);
        self::provisioner(self::params($opts))->serverBody(5);
    }

    public static function badOptions(): array
    {
        return [
            'memory' => [['configoption2' => '2 GB'], 'Product option "Memory (MB)" must be a whole number, not "2 GB".'],
            'variables list' => [['configoption11' => '["a"]'], 'Template Variables (JSON)'],
            'variables junk' => [['configoption11' => '{nope'], 'Template Variables (JSON)'],
        ];
    }

    /** @dataProvider usernames */
    public function testUsername(array $opts, string $want): void
    {
        $this->assertSame($want, self::provisioner(self::params($opts))->username());
    }

    public static function usernames(): array
    {
        return [
            'valid' => [['username' => 'john.doe-1'], 'john.doe-1'],
            'spaces and accents' => [['username' => 'José María'], 'Jos_Mar_a'],
            'too long' => [['username' => str_repeat('a', 40)], str_repeat('a', 32)],
            'empty: email' => [['username' => ''], 'john'],
            'too short' => [['username' => 'é', 'clientsdetails' => ['email' => 'a@b.c']], 'whmcs7'],
        ];
    }

    public function testUnreachablePanel(): void
    {
        ModuleLog::$calls = [];
        $msg = skypanel_CreateAccount(self::params());
        $this->assertStringStartsWith('Cannot reach the panel at http://127.0.0.1:1: ', $msg);
        $this->assertNotEmpty(ModuleLog::$calls, 'the failed call is logged');
        $this->assertStringNotContainsString('secret-never-logged', ModuleLog::text());
        $t = skypanel_TestConnection(self::params());
        $this->assertFalse($t['success']);
        $this->assertStringStartsWith('Cannot reach the panel', $t['error']);
    }

    public function testServerRecordIncomplete(): void
    {
        $this->assertSame(['success' => false, 'error' => "The server record has no hostname: set the panel's address in the WHMCS server."],
            skypanel_TestConnection(['serverhostname' => ''] + self::NOWHERE));
        $this->assertSame('The server record needs the OAuth2 client id (username) and secret (password).',
            skypanel_SuspendAccount(self::params(['serverpassword' => ''])));
    }
}

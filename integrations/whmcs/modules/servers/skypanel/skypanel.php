<?php
/**
 * SkyPanel (Aether Panel) provisioning module for WHMCS.
 *
 * Creates, suspends, unsuspends, terminates and re-sizes game servers on a SkyPanel panel, and
 * keeps one panel user per WHMCS client (externalId "whmcs-<client id>"; servers carry
 * "whmcs-<service id>"), through the panel's REST API with an OAuth2 client holding the
 * `admin` scope. PHP 8.2, ext-curl and ext-json only. See ../../../README.md.
 */

declare(strict_types=1);

if (!defined('WHMCS') && !defined('SKYPANEL_WHMCS_TEST')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/ApiClient.php';
require_once __DIR__ . '/lib/Provisioner.php';

use SkyPanel\Whmcs\ApiClient;
use SkyPanel\Whmcs\ApiException;
use SkyPanel\Whmcs\Provisioner;

function skypanel_MetaData(): array
{
    return [
        'DisplayName' => 'SkyPanel (Aether Panel)',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '8080',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => false,
        'AdminSingleSignOnLabel' => false,
    ];
}

/** The product options, in WHMCS's order (configoption1 … configoption11). */
function skypanel_ConfigOptions(): array
{
    $out = [];
    foreach (Provisioner::OPTIONS as $opt) {
        $o = ['Type' => $opt['type'], 'Description' => $opt['description']];
        if ($opt['type'] === 'text') {
            $o['Size'] = $opt['size'];
        }
        if ($opt['type'] === 'dropdown') {
            $o['Options'] = $opt['options'];
        }
        if ($opt['type'] === 'textarea') {
            $o['Rows'] = 3;
            $o['Cols'] = 50;
        }
        if ($opt['default'] !== '') {
            $o['Default'] = $opt['default'];
        }
        $out[$opt['name']] = $o;
    }
    return $out;
}

/**
 * Checks the server record: the panel answers, the client id and secret are valid and the
 * client holds the `admin` scope.
 *
 * @return array{success: bool, error: string}
 */
function skypanel_TestConnection(array $params): array
{
    try {
        $api = new ApiClient($params, 'TestConnection');
        $tok = $api->token(true);
        if (!in_array('admin', explode(' ', $tok['scope']), true)) {
            return ['success' => false, 'error' => 'The OAuth2 client lacks the admin scope (it has: ' .
                ($tok['scope'] === '' ? 'none' : $tok['scope']) . '); create it with --scopes admin.'];
        }
        $api->call('GET', '/api/self');
        return ['success' => true, 'error' => ''];
    } catch (ApiException $e) {
        return ['success' => false, 'error' => $e->getMessage()];
    }
}

/** Runs one action, turning any failure into the message WHMCS shows. */
function skypanel_run(array $params, string $action, callable $fn): string
{
    try {
        $fn(new Provisioner(new ApiClient($params, $action), $params));
        return 'success';
    } catch (ApiException $e) {
        return $e->getMessage();
    } catch (\Throwable $e) {
        if (function_exists('logModuleCall')) {
            logModuleCall('skypanel', $action, '', get_class($e) . ': ' . $e->getMessage(), '', []);
        }
        return 'SkyPanel module error: ' . $e->getMessage();
    }
}

/** Finds or creates the client's panel user, then creates the service's server (idempotent). */
function skypanel_CreateAccount(array $params): string
{
    return skypanel_run($params, 'CreateAccount', function (Provisioner $p) {
        $p->createAccount();
    });
}

/** Suspends the service's server: it stops and its owner can only view it. */
function skypanel_SuspendAccount(array $params): string
{
    return skypanel_run($params, 'SuspendAccount', function (Provisioner $p) {
        $p->serverAction('suspend');
    });
}

/** Lifts the suspension (the server is not started). */
function skypanel_UnsuspendAccount(array $params): string
{
    return skypanel_run($params, 'UnsuspendAccount', function (Provisioner $p) {
        $p->serverAction('unsuspend');
    });
}

/** Deletes the service's server (never the panel user); a server already gone is success. */
function skypanel_TerminateAccount(array $params): string
{
    return skypanel_run($params, 'TerminateAccount', function (Provisioner $p) {
        $p->terminate();
    });
}

/** Applies the product's limits and feature limits (PUT /api/servers/{id}/limits). */
function skypanel_ChangePackage(array $params): string
{
    return skypanel_run($params, 'ChangePackage', function (Provisioner $p) {
        $p->changePackage();
    });
}

/** Sets the panel user's password to the service's new password. */
function skypanel_ChangePassword(array $params): string
{
    return skypanel_run($params, 'ChangePassword', function (Provisioner $p) {
        $p->changePassword();
    });
}

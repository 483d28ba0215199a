<?php
/**
 * PHPUnit bootstrap: stands in for WHMCS (logModuleCall records every call so the tests can
 * check that no secret reaches the module log) and includes the module.
 *
 * Environment of the lifecycle suite (e2e/whmcs_test.go sets it):
 *   PANEL_URL      the panel (http://host:port)
 *   CLIENT_ID      an OAuth2 client with the admin scope
 *   CLIENT_SECRET  its secret
 *   SKYPANEL_BIN   the skypanel binary, SKYPANEL_DATA the panel's --data folder: the tenant's client is
 *                  made with `skypanel oauth2 create`, the password hash read from the SQLite file
 *   WHMCS_ENVIRONMENT  docker (default) or standard; WHMCS_IMAGE the docker image; WHMCS_STARTUP the
 *                  startup command; WHMCS_TEMPLATE a template (empty = none)
 */

declare(strict_types=1);

define('SKYPANEL_WHMCS_TEST', true);

/** What logModuleCall received, in order. */
final class ModuleLog
{
    /** @var array<int, array{module: string, action: string, request: string, response: string, processed: string, replace: array}> */
    public static $calls = [];

    /** Every logged text of every call, joined (for "the secret never appears" checks). */
    public static function text(): string
    {
        $out = '';
        foreach (self::$calls as $c) {
            $out .= $c['request'] . "\n" . $c['response'] . "\n" . $c['processed'] . "\n";
        }
        return $out;
    }

    /** The responses logged for $action since call number $from. */
    public static function responses(string $action, int $from = 0): array
    {
        $out = [];
        foreach (array_slice(self::$calls, $from) as $c) {
            if ($c['action'] === $action) {
                $out[] = $c['request'] . ' => ' . strtok($c['response'], "\n");
            }
        }
        return $out;
    }
}

/** WHMCS's module log, recorded as given (a WHMCS install would mask `replace` on display). */
function logModuleCall($module, $action, $request, $response, $processed = '', $replace = [])
{
    ModuleLog::$calls[] = ['module' => (string)$module, 'action' => (string)$action, 'request' => (string)$request,
        'response' => (string)$response, 'processed' => is_string($processed) ? $processed : json_encode($processed),
        'replace' => (array)$replace];
}

require_once __DIR__ . '/../modules/servers/skypanel/skypanel.php';
require_once __DIR__ . '/PanelTestCase.php';

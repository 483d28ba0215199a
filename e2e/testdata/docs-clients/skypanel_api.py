import requests
import json
class SkyPanelAPI:
    def __init__(self, base_url, client_id, client_secret):
        self.base_url = base_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.token = None
    def authenticate(self):
        """Obtener token de acceso"""
        url = f"{self.base_url}/oauth2/token"
        data = {
            'grant_type': 'client_credentials',
            'client_id': self.client_id,
            'client_secret': self.client_secret
        }
        response = requests.post(url, data=data)
        response.raise_for_status()
        self.token = response.json()['access_token']
        return self.token
    def get_headers(self):
        """Headers con autenticación"""
        if not self.token:
            self.authenticate()
        return {
            'Authorization': f'Bearer {self.token}',
            'Content-Type': 'application/json'
        }
    def list_servers(self, **filters):
        """Listar servidores"""
        url = f"{self.base_url}/api/servers"
        response = requests.get(url, headers=self.get_headers(), params=filters)
        response.raise_for_status()
        return response.json()
    def get_server(self, server_id):
        """Obtener servidor específico"""
        url = f"{self.base_url}/api/servers/{server_id}"
        response = requests.get(url, headers=self.get_headers())
        response.raise_for_status()
        return response.json()
    def start_server(self, server_id):
        """Iniciar servidor"""
        url = f"{self.base_url}/api/servers/{server_id}/start"
        response = requests.post(url, headers=self.get_headers())
        response.raise_for_status()
        return True
    def stop_server(self, server_id):
        """Detener servidor"""
        url = f"{self.base_url}/api/servers/{server_id}/stop"
        response = requests.post(url, headers=self.get_headers())
        response.raise_for_status()
        return True
    def send_command(self, server_id, command):
        """Enviar comando a consola"""
        url = f"{self.base_url}/api/servers/{server_id}/console"
        data = {'command': command}
        response = requests.post(url, headers=self.get_headers(), json=data)
        response.raise_for_status()
        return True
    def create_server(self, server_data):
        """Crear servidor"""
        server_id = server_data.get('identifier', '')
        url = f"{self.base_url}/api/servers/{server_id}"
        response = requests.put(url, headers=self.get_headers(), json=server_data)
        response.raise_for_status()
        return response.json()

const axios = require('axios');
class SkyPanelAPI {
  constructor(baseURL, clientId, clientSecret) {
    this.baseURL = baseURL;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.token = null;
    this.client = axios.create({
      baseURL: this.baseURL
    });
  }
  async authenticate() {
    const response = await this.client.post('/oauth2/token',
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.clientId,
        client_secret: this.clientSecret
      }),
      {
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded'
        }
      }
    );
    this.token = response.data.access_token;
    return this.token;
  }
  getHeaders() {
    if (!this.token) {
      throw new Error('Not authenticated. Call authenticate() first.');
    }
    return {
      'Authorization': `Bearer ${this.token}`,
      'Content-Type': 'application/json'
    };
  }
  async listServers(filters = {}) {
    const response = await this.client.get('/api/servers', {
      headers: this.getHeaders(),
      params: filters
    });
    return response.data;
  }
  async getServer(serverId) {
    const response = await this.client.get(`/api/servers/${serverId}`, {
      headers: this.getHeaders()
    });
    return response.data;
  }
  async startServer(serverId) {
    await this.client.post(`/api/servers/${serverId}/start`, {}, {
      headers: this.getHeaders()
    });
    return true;
  }
  async stopServer(serverId) {
    await this.client.post(`/api/servers/${serverId}/stop`, {}, {
      headers: this.getHeaders()
    });
    return true;
  }
  async sendCommand(serverId, command) {
    await this.client.post(`/api/servers/${serverId}/console`,
      { command },
      { headers: this.getHeaders() }
    );
    return true;
  }
  async createServer(serverData) {
    const serverId = serverData.identifier || '';
    const response = await this.client.put(`/api/servers/${serverId}`,
      serverData,
      { headers: this.getHeaders() }
    );
    return response.data;
  }
}

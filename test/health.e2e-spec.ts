import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

describe('ops endpoints', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('GET /health answers 200 once the app is up', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports the event store and the read models with their lag', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ready',
      checks: { eventStore: { status: 'ready', headPosition: '0' }, readModels: { status: 'ready', checkpoint: '0', lagEvents: 0, lagSeconds: 0 } },
    });
  });

  it('GET /metrics exports the projection lag in Prometheus text format', async () => {
    const response = await request(testApp.app.getHttpServer()).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toMatch(/^bistand_projection_lag_seconds 0$/m);
    expect(response.text).toMatch(/^# TYPE bistand_event_store_head_position gauge$/m);
  });

  it('serves the OpenAPI document at /docs-json and its UI at /docs', async () => {
    const json = await request(testApp.app.getHttpServer()).get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready', '/metrics', '/v1/placement-requests', '/v1/breaches', '/v1/breaches/stats', '/v1/capacity', '/v1/capacity/matches', '/v1/facilities']));
    const ui = await request(testApp.app.getHttpServer()).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/swagger-ui/i);
  });
});

// The emulator's documents hold the fields the DMTF mockups have, with the same types and link layout. The
// expectations are written by hand from DMTF/Redfish-Publications mockups/public-rackmount1 (index.json,
// Systems/437XR1138R2, Chassis/1U/{Power,Thermal,EnvironmentMetrics,ThermalSubsystem/ThermalMetrics}) and
// mockups/public-telemetry (Systems/1/ResetActionInfo); no mockup file is in this repository.
import {
  EmulatedSensors,
  EmulatedSystem,
  JsonDocument,
  computerSystemDocument,
  environmentMetricsDocument,
  powerDocument,
  powerSupplyCollectionDocument,
  powerSupplyMetricsDocument,
  redfishErrorDocument,
  resetActionInfoDocument,
  serviceRootDocument,
  systemCollectionDocument,
  thermalDocument,
  thermalMetricsDocument,
} from './redfish-documents';

/** Reads a path of keys and indexes the way a client does, failing loudly on a missing step. */
function at(document: unknown, ...path: (string | number)[]): unknown {
  let here: unknown = document;
  for (const step of path) {
    if (here === null || typeof here !== 'object') throw new Error(`no ${String(step)} in ${JSON.stringify(here)} (path ${path.join('.')})`);
    here = (here as Record<string | number, unknown>)[step];
  }
  return here;
}

/** Field name -> the JSON type the mockup gives it. */
function expectFieldTypes(document: JsonDocument, fields: Record<string, 'string' | 'number' | 'object' | 'array'>): void {
  for (const [field, type] of Object.entries(fields)) {
    const value = document[field];
    expect({ field, type: Array.isArray(value) ? 'array' : typeof value }).toEqual({ field, type });
  }
}

const system: EmulatedSystem = {
  id: '437XR1138R2',
  hostName: 'web483',
  uuid: '38947555-7742-3448-3784-823347823834',
  powerState: 'On',
  allowableResetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton'],
};
const sensors: EmulatedSensors = { watts: 344, inletCelsius: 25, cpuCelsius: 41, exhaustCelsius: 40.5 };

describe('Redfish emulator documents against the DMTF public-rackmount1 mockup', () => {
  it('serves a service root with the mockup\'s type, ids and links', () => {
    const root = serviceRootDocument({ uuid: '92384634-2938-2342-8820-489239905423', sessionService: true });
    expectFieldTypes(root, { '@odata.type': 'string', '@odata.id': 'string', Id: 'string', Name: 'string', RedfishVersion: 'string', UUID: 'string', Systems: 'object', Chassis: 'object', SessionService: 'object', Links: 'object' });
    expect(root['@odata.type']).toBe('#ServiceRoot.v1_20_0.ServiceRoot');
    expect(root['@odata.id']).toBe('/redfish/v1/');
    expect(root.Id).toBe('RootService');
    expect(root.Name).toBe('Root Service');
    expect(at(root, 'Systems', '@odata.id')).toBe('/redfish/v1/Systems');
    expect(at(root, 'Chassis', '@odata.id')).toBe('/redfish/v1/Chassis');
    expect(at(root, 'SessionService', '@odata.id')).toBe('/redfish/v1/SessionService');
    expect(at(root, 'Links', 'Sessions', '@odata.id')).toBe('/redfish/v1/SessionService/Sessions');
  });

  it('leaves SessionService and Links.Sessions out when the BMC has no session service', () => {
    const root = serviceRootDocument({ uuid: '92384634-2938-2342-8820-489239905423', sessionService: false });
    expect(root.SessionService).toBeUndefined();
    expect(at(root, 'Links', 'Sessions')).toBeUndefined();
  });

  it('serves the Systems collection as the mockup does', () => {
    const systems = systemCollectionDocument([system]);
    expect(systems).toEqual({
      '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
      Name: 'Computer System Collection',
      'Members@odata.count': 1,
      Members: [{ '@odata.id': '/redfish/v1/Systems/437XR1138R2' }],
      '@odata.id': '/redfish/v1/Systems',
    });
  });

  it('serves a ComputerSystem with the mockup\'s identity, PowerState, chassis link and reset action (legacy: values inline)', () => {
    const doc = computerSystemDocument(system, 'legacy');
    expectFieldTypes(doc, { '@odata.type': 'string', '@odata.id': 'string', Id: 'string', Name: 'string', UUID: 'string', HostName: 'string', PowerState: 'string', Status: 'object', Links: 'object', Actions: 'object' });
    expect(doc['@odata.type']).toBe('#ComputerSystem.v1_27_0.ComputerSystem');
    expect(doc['@odata.id']).toBe('/redfish/v1/Systems/437XR1138R2');
    expect(doc.Id).toBe('437XR1138R2');
    expect(doc.HostName).toBe('web483');
    expect(doc.UUID).toBe('38947555-7742-3448-3784-823347823834');
    expect(doc.PowerState).toBe('On');
    expect(at(doc, 'Links', 'Chassis', 0, '@odata.id')).toMatch(/^\/redfish\/v1\/Chassis\/[^/]+$/);
    expect(at(doc, 'Actions', '#ComputerSystem.Reset', 'target')).toBe('/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset');
    expect(at(doc, 'Actions', '#ComputerSystem.Reset', 'ResetType@Redfish.AllowableValues')).toEqual([
      'On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton',
    ]);
  });

  it('advertises the reset through @Redfish.ActionInfo as public-telemetry does (modern)', () => {
    const doc = computerSystemDocument(system, 'modern');
    expect(at(doc, 'Actions', '#ComputerSystem.Reset', '@Redfish.ActionInfo')).toBe('/redfish/v1/Systems/437XR1138R2/ResetActionInfo');
    expect(at(doc, 'Actions', '#ComputerSystem.Reset', 'ResetType@Redfish.AllowableValues')).toBeUndefined();
    const info = resetActionInfoDocument(system);
    expect(info['@odata.type']).toBe('#ActionInfo.v1_5_0.ActionInfo');
    expect(at(info, 'Parameters', 0)).toEqual({ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: system.allowableResetTypes });
  });

  it('serves Power.PowerControl[0].PowerConsumedWatts and Thermal.Temperatures[] as the mockup does', () => {
    const power = powerDocument(system, sensors);
    expect(power['@odata.type']).toBe('#Power.v1_7_3.Power');
    expect(at(power, 'PowerControl', 0, 'PowerConsumedWatts')).toBe(344);
    expect(at(power, 'PowerControl', 0, 'MemberId')).toBe('0');
    const thermal = thermalDocument(system, sensors);
    expect(thermal['@odata.type']).toBe('#Thermal.v1_7_3.Thermal');
    expect(at(thermal, 'Temperatures', 0)).toMatchObject({ Name: 'CPU1 Temp', ReadingCelsius: 41, PhysicalContext: 'CPU' });
    // The mockup's CPU2 is Disabled and has no ReadingCelsius at all.
    expect(at(thermal, 'Temperatures', 1)).toMatchObject({ Name: 'CPU2 Temp', Status: { State: 'Disabled' }, PhysicalContext: 'CPU' });
    expect(at(thermal, 'Temperatures', 1, 'ReadingCelsius')).toBeUndefined();
    expect(at(thermal, 'Temperatures', 2)).toMatchObject({ Name: 'Chassis Intake Temp', ReadingCelsius: 25, PhysicalContext: 'Intake' });
  });

  it('serves EnvironmentMetrics.PowerWatts and ThermalMetrics.TemperatureReadingsCelsius as the mockup does', () => {
    const environment = environmentMetricsDocument(system, sensors);
    expect(environment['@odata.type']).toBe('#EnvironmentMetrics.v1_5_0.EnvironmentMetrics');
    expect(at(environment, 'PowerWatts', 'Reading')).toBe(344);
    expect(typeof at(environment, 'PowerWatts', 'DataSourceUri')).toBe('string');
    const thermal = thermalMetricsDocument(system, sensors);
    expect(thermal['@odata.type']).toBe('#ThermalMetrics.v1_3_2.ThermalMetrics');
    expect(at(thermal, 'TemperatureReadingsCelsius', 0)).toMatchObject({ Reading: 25, DeviceName: 'Intake' });
    expect(at(thermal, 'TemperatureSummaryCelsius', 'Intake', 'Reading')).toBe(25);
  });

  it('serves PowerSubsystem supplies and their InputPowerWatts as the mockup does', () => {
    const supplies = powerSupplyCollectionDocument(system);
    expect(supplies['@odata.type']).toBe('#PowerSupplyCollection.PowerSupplyCollection');
    expect(at(supplies, 'Members', 1, '@odata.id')).toMatch(/\/PowerSubsystem\/PowerSupplies\/Bay2$/);
    const metrics = powerSupplyMetricsDocument(system, 'Bay1', sensors);
    expect(metrics['@odata.type']).toBe('#PowerSupplyMetrics.v1_2_0.PowerSupplyMetrics');
    expect(at(metrics, 'InputPowerWatts', 'Reading')).toBe(172);
  });

  it('writes error bodies as redfish-error.v1_0_2 requires (code, message, @Message.ExtendedInfo)', () => {
    const error = redfishErrorDocument('NoValidSession', 'There is no valid session established with the implementation.');
    expect(at(error, 'error', 'code')).toBe('Base.1.5.0.NoValidSession');
    expect(at(error, 'error', 'message')).toBe('There is no valid session established with the implementation.');
    expect(at(error, 'error', '@Message.ExtendedInfo', 0, 'MessageId')).toBe('Base.1.5.0.NoValidSession');
  });
});

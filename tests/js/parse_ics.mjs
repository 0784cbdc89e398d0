// Parse iCalendar files with ical.js (Mozilla's parser, as in Thunderbird) and print what a
// calendar program would show, as JSON, for the Python tests to compare:
//   node parse_ics.mjs file.ics [file2.ics ...]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const result = process.argv.slice(2).map((path) => {
  const text = readFileSync(path, "utf8");
  const root = new ICAL.Component(ICAL.parse(text));
  // Register the file's own VTIMEZONEs, as a calendar client does.
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const attendees = vevent.getAllProperties("attendee").map((p) => ({
      address: p.getFirstValue(),
      cn: p.getParameter("cn") ?? null,
      role: p.getParameter("role") ?? null,
      partstat: p.getParameter("partstat") ?? null,
      rsvp: p.getParameter("rsvp") ?? null,
    }));
    return {
      uid: event.uid,
      sequence: event.sequence,
      summary: event.summary,
      location: event.location,
      description: event.description,
      status: vevent.getFirstPropertyValue("status"),
      tzid: vevent.getFirstProperty("dtstart").getParameter("tzid") ?? null,
      start_utc: event.startDate.toJSDate().toISOString(),
      end_utc: event.endDate.toJSDate().toISOString(),
      organizer: vevent.getFirstPropertyValue("organizer"),
      attendees,
    };
  });
  return {
    method: root.getFirstPropertyValue("method"),
    timezones: root.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
    first_component: root.getAllSubcomponents()[0]?.name ?? null,
    events,
  };
});
process.stdout.write(JSON.stringify(result));

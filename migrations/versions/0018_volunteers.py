"""volunteers and meetings (issue 16 items 5 and 6, issue 17 item 3): the volunteer register, its half-yearly
visits and the year's commendations; the zones' trainings with attendees and materials; meetings (joint, 领导小组,
quarterly review) with their committees and decisions that become tasks

Revision ID: 0018_volunteers
Revises: 0016_plan
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_volunteers'
down_revision = '0016_plan'
branch_labels = None
depends_on = None


def upgrade():
    # A volunteer's reports that were entered (the year's points), found by account or by name within the year.
    with op.batch_alter_table("change_case", schema=None) as batch_op:
        batch_op.create_index("ix_change_case_reporter_fk_entered", ["reported_by_fk", "entered_at"], unique=False)
        batch_op.create_index("ix_change_case_reporter_name_entered", ["reported_by_name", "entered_at"],
                              unique=False)
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('block_name', sa.String(length=100), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('quarter', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=1000), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_kind_held_on', ['kind', 'held_on'], unique=False)

    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index('ix_training_zone_held_on', ['zone_id', 'held_on'], unique=False)

    op.create_table('meeting_committee',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'committee_id')
    )
    with op.batch_alter_table('meeting_committee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_committee_committee_id'), ['committee_id'], unique=False)

    op.create_table('meeting_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('assignee_user_id', sa.Integer(), nullable=True),
    sa.Column('assignee_name', sa.String(length=128), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=128), nullable=True),
    sa.Column('done_note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_user_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_decision_assignee_open', ['assignee_user_id', 'done_at'], unique=False)
        batch_op.create_index('ix_meeting_decision_committee_open', ['committee_id', 'done_at'], unique=False)

    op.create_table('training_attendee',
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('training_id', 'user_id')
    )
    op.create_table('training_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_path', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=128), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_material_training_id'), ['training_id'], unique=False)

    op.create_table('volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_committee_name', ['committee_id', 'name'], unique=False)
        batch_op.create_index('ix_volunteer_phone', ['phone'], unique=False)

    op.create_table('volunteer_commendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('chosen_by', sa.String(length=128), nullable=False),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id', 'year', name='uq_volunteer_commendation_year')
    )
    with op.batch_alter_table('volunteer_commendation', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_commendation_year', ['year', 'committee_id'], unique=False)

    op.create_table('volunteer_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('half', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('visitors', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_id', 'year', 'half', name='uq_volunteer_visit_half')
    )
    with op.batch_alter_table('volunteer_visit', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_visit_committee_year', ['committee_id', 'year'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table("change_case", schema=None) as batch_op:
        batch_op.drop_index("ix_change_case_reporter_name_entered")
        batch_op.drop_index("ix_change_case_reporter_fk_entered")
    with op.batch_alter_table('volunteer_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_visit_committee_year')

    op.drop_table('volunteer_visit')
    with op.batch_alter_table('volunteer_commendation', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_commendation_year')

    op.drop_table('volunteer_commendation')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_phone')
        batch_op.drop_index('ix_volunteer_committee_name')

    op.drop_table('volunteer')
    with op.batch_alter_table('training_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_material_training_id'))

    op.drop_table('training_material')
    op.drop_table('training_attendee')
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_decision_committee_open')
        batch_op.drop_index('ix_meeting_decision_assignee_open')

    op.drop_table('meeting_decision')
    with op.batch_alter_table('meeting_committee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_committee_committee_id'))

    op.drop_table('meeting_committee')
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index('ix_training_zone_held_on')

    op.drop_table('training')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_kind_held_on')

    op.drop_table('meeting')
    # ### end Alembic commands ###
